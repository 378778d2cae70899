package org.rap.agent.executor;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A minimal Docker Registry HTTP API v2 on loopback (dockerd treats 127.0.0.0/8 registries as
 * insecure and speaks plain HTTP to them): {@code /v2/}, manifests by tag and by digest (schema 2,
 * with {@code Docker-Content-Digest}) and blobs. It serves one image made from a local image
 * ({@code docker save}) plus one extra layer holding {@code /rap-pulled.txt} with a random nonce,
 * so the pulled image is new to the daemon (its id differs from every local image) and a job can
 * prove it ran it. Layers are served gzip-compressed, as registries do.
 */
public final class TestRegistry implements AutoCloseable {
  static final String MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json";
  static final String CONFIG_TYPE = "application/vnd.docker.container.image.v1+json";
  static final String LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  private static final Pattern MANIFEST = Pattern.compile("^/v2/(.+)/manifests/([^/]+)$");
  private static final Pattern BLOB = Pattern.compile("^/v2/(.+)/blobs/([^/]+)$");

  final String repository;
  final String tag;
  public final String nonce;

  /** The manifest digest ({@code image_sha} of a job). */
  final String manifestDigest;

  /** The config digest: the image id the daemon gives the pulled image. */
  public final String imageId;

  /** When set, blob downloads are never answered (a registry that hangs mid-pull). */
  volatile boolean stallBlobs;

  /** {@code METHOD path} of every request, in order. */
  final List<String> requests = new CopyOnWriteArrayList<>();

  private final byte[] manifest;
  private final Map<String, byte[]> blobs = new HashMap<>();
  private final Vertx vertx = Vertx.vertx();
  private HttpServer server;

  /**
   * @param savedImage the output of {@code docker save} of a single image
   * @param repository the repository path served (e.g. {@code opensafely-core/python})
   */
  public TestRegistry(InputStream savedImage, String repository, String tag) throws Exception {
    this.repository = repository;
    this.tag = tag;
    this.nonce =
        Long.toHexString(System.nanoTime())
            + Long.toHexString(Double.doubleToLongBits(Math.random()));
    Map<String, byte[]> files = new HashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(savedImage)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (e.isFile()) {
          files.put(e.getName(), tar.readAllBytes());
        }
      }
    }
    JsonObject saved =
        new JsonArray(new String(files.get("manifest.json"), StandardCharsets.UTF_8))
            .getJsonObject(0);
    JsonObject config =
        new JsonObject(new String(files.get(saved.getString("Config")), StandardCharsets.UTF_8));
    JsonArray layerDescriptors = new JsonArray();
    JsonArray diffIds = new JsonArray();
    for (Object layerPath : saved.getJsonArray("Layers")) {
      addLayer(files.get((String) layerPath), layerDescriptors, diffIds);
    }
    addLayer(markerLayer(), layerDescriptors, diffIds);

    String now = Instant.now().toString();
    config.put("created", now);
    config
        .getJsonObject("config")
        .put("Labels", new JsonObject().put("org.opencontainers.image.version", "pulled-" + nonce));
    config.put("rootfs", new JsonObject().put("type", "layers").put("diff_ids", diffIds));
    config
        .getJsonArray("history")
        .add(new JsonObject().put("created", now).put("created_by", "rap test registry layer"));
    config.remove("container");
    config.remove("container_config");
    byte[] configBytes = config.encode().getBytes(StandardCharsets.UTF_8);
    imageId = digest(configBytes);
    blobs.put(imageId, configBytes);

    JsonObject m =
        new JsonObject()
            .put("schemaVersion", 2)
            .put("mediaType", MANIFEST_TYPE)
            .put(
                "config",
                new JsonObject()
                    .put("mediaType", CONFIG_TYPE)
                    .put("size", configBytes.length)
                    .put("digest", imageId))
            .put("layers", layerDescriptors);
    manifest = m.encode().getBytes(StandardCharsets.UTF_8);
    manifestDigest = digest(manifest);
  }

  private void addLayer(byte[] tar, JsonArray descriptors, JsonArray diffIds) throws Exception {
    byte[] gz = gzip(tar);
    String d = digest(gz);
    blobs.put(d, gz);
    descriptors.add(
        new JsonObject().put("mediaType", LAYER_TYPE).put("size", gz.length).put("digest", d));
    diffIds.add(digest(tar));
  }

  private byte[] markerLayer() throws IOException {
    byte[] content = ("pulled " + nonce + "\n").getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      TarArchiveEntry e = new TarArchiveEntry("rap-pulled.txt");
      e.setSize(content.length);
      e.setMode(0644);
      e.setModTime(System.currentTimeMillis());
      tar.putArchiveEntry(e);
      tar.write(content);
      tar.closeArchiveEntry();
    }
    return out.toByteArray();
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      new ByteArrayInputStream(data).transferTo(gz);
    }
    return out.toByteArray();
  }

  static String digest(byte[] data) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }

  public TestRegistry start() {
    server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1").await();
    return this;
  }

  /** {@code 127.0.0.1:<port>}. */
  public String host() {
    return "127.0.0.1:" + server.actualPort();
  }

  /** Manifest requests that named the manifest digest (not the tag). */
  List<String> manifestRequestsByDigest() {
    return requests.stream().filter(r -> r.contains("/manifests/" + manifestDigest)).toList();
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    requests.add(req.method() + " " + path);
    boolean head = req.method() == HttpMethod.HEAD;
    req.response().putHeader("Docker-Distribution-API-Version", "registry/2.0");
    if (req.method() != HttpMethod.GET && !head) {
      error(req, 405, "UNSUPPORTED", "read-only test registry");
      return;
    }
    if (path.equals("/v2/") || path.equals("/v2")) {
      send(req, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8), null, head);
      return;
    }
    Matcher mm = MANIFEST.matcher(path);
    if (mm.matches()) {
      String ref = mm.group(2);
      if (mm.group(1).equals(repository) && (ref.equals(tag) || ref.equals(manifestDigest))) {
        send(req, 200, MANIFEST_TYPE, manifest, manifestDigest, head);
      } else if (!mm.group(1).equals(repository)) {
        error(req, 404, "NAME_UNKNOWN", "repository name not known to registry");
      } else {
        error(req, 404, "MANIFEST_UNKNOWN", "manifest unknown");
      }
      return;
    }
    Matcher bm = BLOB.matcher(path);
    if (bm.matches() && bm.group(1).equals(repository) && blobs.containsKey(bm.group(2))) {
      if (stallBlobs && !head) {
        return; // the request stays open until the client gives up
      }
      send(req, 200, "application/octet-stream", blobs.get(bm.group(2)), bm.group(2), head);
      return;
    }
    error(req, 404, "BLOB_UNKNOWN", "blob unknown to registry");
  }

  private static void send(
      HttpServerRequest req, int status, String type, byte[] body, String digest, boolean head) {
    var resp =
        req.response()
            .setStatusCode(status)
            .putHeader("Content-Type", type)
            .putHeader("Content-Length", String.valueOf(body.length));
    if (digest != null) {
      resp.putHeader("Docker-Content-Digest", digest);
    }
    if (head) {
      resp.end();
    } else {
      resp.end(Buffer.buffer(body));
    }
  }

  private static void error(HttpServerRequest req, int status, String code, String message) {
    JsonObject body =
        new JsonObject()
            .put(
                "errors",
                new JsonArray().add(new JsonObject().put("code", code).put("message", message)));
    send(
        req,
        status,
        "application/json",
        body.encode().getBytes(StandardCharsets.UTF_8),
        null,
        req.method() == HttpMethod.HEAD);
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}

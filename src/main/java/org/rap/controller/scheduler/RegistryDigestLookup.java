package org.rap.controller.scheduler;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves {@code <registry host>/<repository>:<tag>} to its content digest with the Docker
 * Registry HTTP API v2, as the reference does when it creates a RUNJOB task: {@code HEAD
 * /v2/<repository>/manifests/<tag>} accepting manifest lists, OCI indexes and single manifests,
 * reading {@code Docker-Content-Digest}. A 401 with a {@code Bearer} challenge fetches an anonymous
 * token once and retries. Loopback registries are spoken to over plain HTTP (as dockerd does),
 * every other one over HTTPS.
 *
 * <p>Answers are cached for {@link #TTL} so that creating many tasks for one image costs one
 * request per minute, not one per task. Blocking: call off the event loop.
 */
public final class RegistryDigestLookup implements CachingImageDigests.Lookup {
  static final Duration TTL = Duration.ofSeconds(60);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final String ACCEPT =
      String.join(
          ", ",
          "application/vnd.oci.image.index.v1+json",
          "application/vnd.docker.distribution.manifest.list.v2+json",
          "application/vnd.docker.distribution.manifest.v2+json",
          "application/vnd.oci.image.manifest.v1+json");
  private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

  private record Cached(String digest, long atNanos) {}

  private final HttpClient http;
  private final LongSupplier clockNanos;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  public RegistryDigestLookup(HttpClient http, LongSupplier clockNanos) {
    this.http = http;
    this.clockNanos = clockNanos;
  }

  public static RegistryDigestLookup create() {
    return new RegistryDigestLookup(
        HttpClient.newBuilder()
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build(),
        System::nanoTime);
  }

  /** Host, repository and tag of an image reference. */
  record Reference(String host, String repository, String tag) {
    static Reference parse(String image) {
      int slash = image.indexOf('/');
      if (slash <= 0) {
        throw new IllegalArgumentException("Image reference without a registry host: " + image);
      }
      String host = image.substring(0, slash);
      String rest = image.substring(slash + 1);
      int colon = rest.lastIndexOf(':');
      String repository = colon > 0 ? rest.substring(0, colon) : rest;
      String tag = colon > 0 ? rest.substring(colon + 1) : "latest";
      return new Reference(host, repository, tag);
    }

    URI manifest() {
      return URI.create(scheme(host) + "://" + host + "/v2/" + repository + "/manifests/" + tag);
    }

    private static String scheme(String host) {
      String h = host.replaceFirst(":\\d+$", "");
      return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]") ? "http" : "https";
    }
  }

  @Override
  public String lookup(String image) throws Exception {
    int at = image.indexOf('@');
    if (at >= 0) {
      return image.substring(at + 1); // pinned already
    }
    Cached c = cache.get(image);
    long now = clockNanos.getAsLong();
    if (c != null && now - c.atNanos() < TTL.toNanos()) {
      return c.digest();
    }
    String digest = resolve(Reference.parse(image));
    cache.put(image, new Cached(digest, now));
    return digest;
  }

  private String resolve(Reference ref) throws IOException, InterruptedException {
    HttpResponse<byte[]> r = send(ref, "HEAD", null);
    if (r.statusCode() == 401) {
      String token = anonymousToken(r.headers().firstValue("WWW-Authenticate").orElse(""));
      r = send(ref, "HEAD", token);
      if (r.statusCode() == 200 && r.headers().firstValue("Docker-Content-Digest").isEmpty()) {
        r = send(ref, "GET", token);
      }
    } else if (r.statusCode() == 200 && r.headers().firstValue("Docker-Content-Digest").isEmpty()) {
      r = send(ref, "GET", null);
    }
    if (r.statusCode() != 200) {
      throw new IOException(
          "Registry answered "
              + r.statusCode()
              + " for "
              + ref.host()
              + "/"
              + ref.repository()
              + ":"
              + ref.tag());
    }
    String digest = r.headers().firstValue("Docker-Content-Digest").orElse(null);
    if (digest == null && r.body() != null && r.body().length > 0) {
      digest = "sha256:" + HexFormat.of().formatHex(sha256(r.body()));
    }
    if (digest == null || !DIGEST.matcher(digest).matches()) {
      throw new IOException(
          "Registry gave no usable digest for "
              + ref.repository()
              + ":"
              + ref.tag()
              + ": "
              + digest);
    }
    return digest;
  }

  private HttpResponse<byte[]> send(Reference ref, String method, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(ref.manifest())
            .timeout(TIMEOUT)
            .header("Accept", ACCEPT)
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** The anonymous pull token of a {@code Bearer realm=...,service=...,scope=...} challenge. */
  private String anonymousToken(String challenge) throws IOException, InterruptedException {
    if (!challenge.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new IOException("Registry asks for authentication we cannot give: " + challenge);
    }
    Map<String, String> params = new LinkedHashMap<>();
    Matcher m = CHALLENGE_PARAM.matcher(challenge.substring(7));
    while (m.find()) {
      params.put(m.group(1), m.group(2));
    }
    String realm = params.remove("realm");
    if (realm == null) {
      throw new IOException("Registry challenge without a realm: " + challenge);
    }
    StringBuilder url = new StringBuilder(realm);
    char sep = realm.contains("?") ? '&' : '?';
    for (Map.Entry<String, String> e : params.entrySet()) {
      url.append(sep)
          .append(e.getKey())
          .append('=')
          .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
      sep = '&';
    }
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url.toString())).timeout(TIMEOUT).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("Registry token service answered " + r.statusCode());
    }
    JsonObject body = new JsonObject(r.body());
    String token = body.getString("token", body.getString("access_token"));
    if (token == null) {
      throw new IOException("Registry token service gave no token");
    }
    return token;
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

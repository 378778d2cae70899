package org.rap.controller.scheduler;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves {@code <registry host>/<repository>:<tag>} to its content digest with the Docker
 * Registry HTTP API v2, as the reference does when it creates a RUNJOB task: {@code HEAD
 * /v2/<repository>/manifests/<tag>} accepting manifest lists, OCI indexes and single manifests,
 * reading {@code Docker-Content-Digest}. A 401 with a {@code Bearer} challenge fetches an anonymous
 * token once and retries. Loopback registries are spoken to over plain HTTP (as dockerd does),
 * every other one over HTTPS with the certificate and host name verified.
 *
 * <p>Requests go through Vert.x's WebClient (non-blocking, counted by the HTTP client metrics),
 * each limited to {@link #TIMEOUT} for connecting and between bytes, and a whole lookup to twice
 * that. Answers are kept in a Caffeine cache for {@link #TTL}, so that creating many tasks for one
 * image costs one request per minute, not one per task.
 */
public final class RegistryDigestLookup implements CachingImageDigests.Lookup {
  static final Duration TTL = Duration.ofSeconds(60);
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final long MAX_IMAGES = 10_000;
  private static final String ACCEPT =
      String.join(
          ", ",
          "application/vnd.oci.image.index.v1+json",
          "application/vnd.docker.distribution.manifest.list.v2+json",
          "application/vnd.docker.distribution.manifest.v2+json",
          "application/vnd.oci.image.manifest.v1+json");
  private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

  private final WebClient client;
  private final Cache<String, String> cache;
  private final Duration timeout;
  private final boolean loopbackOverHttp;

  /**
   * @param options the client's options; TLS verification stays on (never trust-all)
   * @param ticker the cache's clock (tests move it)
   * @param timeout per request (connect, and between bytes); a whole lookup gets twice this
   * @param loopbackOverHttp speak plain HTTP to 127.0.0.0/8 and localhost registries
   */
  RegistryDigestLookup(
      Vertx vertx,
      WebClientOptions options,
      Ticker ticker,
      Duration timeout,
      boolean loopbackOverHttp) {
    this.client =
        WebClient.create(
            vertx,
            new WebClientOptions(options)
                .setTrustAll(false)
                .setVerifyHost(true)
                .setConnectTimeout((int) timeout.toMillis())
                .setUserAgent("rap-controller"));
    this.cache =
        Caffeine.newBuilder()
            .expireAfterWrite(TTL)
            .maximumSize(MAX_IMAGES)
            .ticker(ticker)
            .executor(Runnable::run)
            .build();
    this.timeout = timeout;
    this.loopbackOverHttp = loopbackOverHttp;
  }

  public static RegistryDigestLookup create(Vertx vertx) {
    return new RegistryDigestLookup(
        vertx, new WebClientOptions(), Ticker.systemTicker(), TIMEOUT, true);
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

    String manifest(boolean loopbackOverHttp) {
      return scheme(loopbackOverHttp) + "://" + host + "/v2/" + repository + "/manifests/" + tag;
    }

    private String scheme(boolean loopbackOverHttp) {
      String h = host.replaceFirst(":\\d+$", "");
      boolean loopback = h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]");
      return loopback && loopbackOverHttp ? "http" : "https";
    }

    @Override
    public String toString() {
      return host + "/" + repository + ":" + tag;
    }
  }

  @Override
  public Future<String> lookup(String image) {
    int at = image.indexOf('@');
    if (at >= 0) {
      return Future.succeededFuture(image.substring(at + 1)); // pinned already
    }
    String cached = cache.getIfPresent(image);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    Reference ref;
    try {
      ref = Reference.parse(image);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    long deadline = timeout.toMillis() * 2;
    return resolve(ref)
        .timeout(deadline, TimeUnit.MILLISECONDS)
        .recover(
            e ->
                Future.failedFuture(
                    e instanceof TimeoutException
                        ? new IOException(
                            "Registry " + ref.host() + " did not answer within " + deadline + " ms")
                        : e))
        .onSuccess(digest -> cache.put(image, digest));
  }

  private Future<String> resolve(Reference ref) {
    return send(ref, HttpMethod.HEAD, null)
        .compose(
            r -> {
              if (r.statusCode() == 401) {
                return anonymousToken(r.getHeader("WWW-Authenticate"))
                    .compose(
                        token ->
                            send(ref, HttpMethod.HEAD, token)
                                .compose(
                                    again ->
                                        withDigest(again)
                                            ? Future.succeededFuture(again)
                                            : send(ref, HttpMethod.GET, token)));
              }
              return withDigest(r) ? Future.succeededFuture(r) : send(ref, HttpMethod.GET, null);
            })
        .compose(r -> digestOf(ref, r));
  }

  /** A 200 that carries {@code Docker-Content-Digest} (else the manifest body is needed). */
  private static boolean withDigest(HttpResponse<Buffer> r) {
    return r.statusCode() != 200 || r.getHeader("Docker-Content-Digest") != null;
  }

  private static Future<String> digestOf(Reference ref, HttpResponse<Buffer> r) {
    if (r.statusCode() != 200) {
      return Future.failedFuture(
          new IOException("Registry answered " + r.statusCode() + " for " + ref));
    }
    String digest = r.getHeader("Docker-Content-Digest");
    if (digest == null && r.body() != null && r.body().length() > 0) {
      digest = "sha256:" + HexFormat.of().formatHex(sha256(r.body().getBytes()));
    }
    if (digest == null || !DIGEST.matcher(digest).matches()) {
      return Future.failedFuture(
          new IOException(
              "Registry gave no usable digest for "
                  + ref.repository()
                  + ":"
                  + ref.tag()
                  + ": "
                  + digest));
    }
    return Future.succeededFuture(digest);
  }

  private Future<HttpResponse<Buffer>> send(Reference ref, HttpMethod method, String token) {
    HttpRequest<Buffer> req =
        client
            .requestAbs(method, ref.manifest(loopbackOverHttp))
            .putHeader("Accept", ACCEPT)
            .idleTimeout(timeout.toMillis());
    if (token != null) {
      req.putHeader("Authorization", "Bearer " + token);
    }
    return req.send();
  }

  /** The anonymous pull token of a {@code Bearer realm=...,service=...,scope=...} challenge. */
  private Future<String> anonymousToken(String challenge) {
    if (challenge == null || !challenge.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Future.failedFuture(
          new IOException("Registry asks for authentication we cannot give: " + challenge));
    }
    Map<String, String> params = new LinkedHashMap<>();
    Matcher m = CHALLENGE_PARAM.matcher(challenge.substring(7));
    while (m.find()) {
      params.put(m.group(1), m.group(2));
    }
    String realm = params.remove("realm");
    if (realm == null) {
      return Future.failedFuture(
          new IOException("Registry challenge without a realm: " + challenge));
    }
    HttpRequest<Buffer> req = client.getAbs(realm).idleTimeout(timeout.toMillis());
    params.forEach(req::addQueryParam);
    return req.send()
        .compose(
            r -> {
              if (r.statusCode() != 200) {
                return Future.failedFuture(
                    new IOException("Registry token service answered " + r.statusCode()));
              }
              JsonObject body = r.bodyAsJsonObject();
              String token =
                  body == null ? null : body.getString("token", body.getString("access_token"));
              return token == null
                  ? Future.failedFuture(new IOException("Registry token service gave no token"))
                  : Future.succeededFuture(token);
            });
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

package org.rap.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rap.common.model.Job;
import org.rap.common.model.Task;

/**
 * The controller's registry digest lookup against a loopback registry that behaves like ghcr.io:
 * anonymous bearer tokens (401 challenge, token service), HEAD manifests with
 * Docker-Content-Digest, 404 for unknown tags; and registries that fail, stall or present a
 * certificate the controller must not trust.
 */
class RegistryDigestLookupTest {
  private static final String DIGEST = "sha256:" + "ab".repeat(32);
  private final Vertx vertx = Vertx.vertx();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final AtomicLong clock = new AtomicLong();
  private HttpServer server;
  private int port;
  private Harness h;

  @BeforeEach
  void start() {
    server =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  requests.add(req.method() + " " + req.uri());
                  if (req.path().equals("/token")) {
                    req.response()
                        .putHeader("Content-Type", "application/json")
                        .end(new JsonObject().put("token", "anon-token").encode());
                    return;
                  }
                  if (!"Bearer anon-token".equals(req.getHeader("Authorization"))) {
                    req.response()
                        .setStatusCode(401)
                        .putHeader(
                            "WWW-Authenticate",
                            "Bearer realm=\"http://127.0.0.1:"
                                + port
                                + "/token\",service=\"registry.test\","
                                + "scope=\"repository:opensafely-core/python:pull\"")
                        .end();
                    return;
                  }
                  if (req.path().equals("/v2/opensafely-core/python/manifests/v2")
                      && req.getHeader("Accept")
                          .contains("application/vnd.oci.image.index.v1+json")) {
                    req.response()
                        .putHeader("Docker-Content-Digest", DIGEST)
                        .putHeader("Content-Type", "application/vnd.oci.image.index.v1+json")
                        .end();
                  } else {
                    req.response().setStatusCode(404).end();
                  }
                })
            .listen(0, "127.0.0.1")
            .await();
    port = server.actualPort();
  }

  @AfterEach
  void stop() throws Exception {
    if (h != null) {
      h.close();
    }
    vertx.close().await();
  }

  private RegistryDigestLookup lookup() {
    return new RegistryDigestLookup(
        vertx, new WebClientOptions(), clock::get, RegistryDigestLookup.TIMEOUT, true);
  }

  private static Throwable failure(RegistryDigestLookup l, String image) {
    return assertThrows(Exception.class, () -> l.lookup(image).await());
  }

  @Test
  void resolvesATagWithAnAnonymousTokenAndCachesForAMinute() throws Exception {
    RegistryDigestLookup l = lookup();
    String image = "127.0.0.1:" + port + "/opensafely-core/python:v2";
    assertEquals(DIGEST, l.lookup(image).await());
    assertEquals(
        List.of(
            "HEAD /v2/opensafely-core/python/manifests/v2",
            "GET /token?service=registry.test&scope=repository%3Aopensafely-core%2Fpython%3Apull",
            "HEAD /v2/opensafely-core/python/manifests/v2"),
        requests);
    requests.clear();
    clock.addAndGet(RegistryDigestLookup.TTL.toNanos() - 1);
    assertEquals(DIGEST, l.lookup(image).await());
    assertTrue(requests.isEmpty(), "cached within the minute");
    clock.addAndGet(2);
    assertEquals(DIGEST, l.lookup(image).await());
    assertEquals(3, requests.size(), "asked again after the minute");
    assertEquals(
        "sha256:" + "cd".repeat(32), l.lookup("127.0.0.1:1/x/y@sha256:" + "cd".repeat(32)).await());
  }

  @Test
  void unknownTagsFailAndTheCacheFallsBackToTheLastDigestSeen() throws Exception {
    RegistryDigestLookup l = lookup();
    Throwable e = failure(l, "127.0.0.1:" + port + "/opensafely-core/python:nope");
    assertTrue(e instanceof IOException, e.toString());
    assertEquals(
        "Registry answered 404 for 127.0.0.1:" + port + "/opensafely-core/python:nope",
        e.getMessage());
    requests.clear();
    failure(l, "127.0.0.1:" + port + "/opensafely-core/python:nope");
    assertEquals(3, requests.size(), "failures are not cached: " + requests);
    // the reference's fallback: a failed lookup reuses the last digest seen for that reference
    String image = "127.0.0.1:" + port + "/opensafely-core/python:v2";
    CachingImageDigests digests = new CachingImageDigests(l);
    assertEquals(DIGEST, digests.digest(image).await());
    server.close().await();
    clock.addAndGet(RegistryDigestLookup.TTL.toNanos() + 1);
    assertEquals(DIGEST, digests.digest(image).await(), "registry gone: last digest seen");
    assertNull(
        digests.digest("127.0.0.1:" + port + "/opensafely-core/r:latest").await(),
        "never seen: null");
    assertNull(CachingImageDigests.offline().digest(image).await(), "no registry: null");
  }

  @Test
  void aRegistryThatNeverAnswersOrTricklesTimesOut() {
    HttpServer stalling =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  if (req.path().startsWith("/v2/silent/")) {
                    return; // accepts the request, never answers
                  }
                  // a manifest without digest header, whose body never ends: one byte per 100 ms
                  req.response().setChunked(true);
                  if (req.method() == HttpMethod.HEAD) {
                    req.response().end();
                    return;
                  }
                  long timer = vertx.setPeriodic(100, id -> req.response().write("{"));
                  req.connection().closeHandler(v -> vertx.cancelTimer(timer));
                })
            .listen(0, "127.0.0.1")
            .await();
    String host = "127.0.0.1:" + stalling.actualPort();
    RegistryDigestLookup l =
        new RegistryDigestLookup(
            vertx, new WebClientOptions(), clock::get, Duration.ofMillis(300), true);
    long start = System.nanoTime();
    Throwable silent = failure(l, host + "/silent/python:v2");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms >= 250 && ms < 3_000, ms + " ms");
    assertTrue(
        silent.getMessage().contains("300ms")
            || silent.getMessage().equals("Registry " + host + " did not answer within 600 ms"),
        silent.toString());

    start = System.nanoTime();
    Throwable trickle = failure(l, host + "/trickle/python:v2");
    ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms >= 550 && ms < 3_000, ms + " ms");
    assertEquals("Registry " + host + " did not answer within 600 ms", trickle.getMessage());
    // the scheduler goes on without a digest
    assertNull(new CachingImageDigests(l).digest(host + "/silent/python:v2").await());
  }

  @Test
  void registryErrorsAreReportedWithTheirCause() {
    HttpServer broken =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  switch (req.path()) {
                    case "/v2/a/manifests/v1" -> req.response().setStatusCode(500).end("boom");
                    case "/v2/b/manifests/v1" ->
                        req.response()
                            .setStatusCode(401)
                            .putHeader("WWW-Authenticate", "Basic realm=\"registry\"")
                            .end();
                    case "/v2/c/manifests/v1" ->
                        req.response().putHeader("Docker-Content-Digest", "md5:abc").end();
                    default -> req.response().setStatusCode(404).end();
                  }
                })
            .listen(0, "127.0.0.1")
            .await();
    String host = "127.0.0.1:" + broken.actualPort();
    RegistryDigestLookup l = lookup();
    assertEquals(
        "Registry answered 500 for " + host + "/a:v1", failure(l, host + "/a:v1").getMessage());
    assertEquals(
        "Registry asks for authentication we cannot give: Basic realm=\"registry\"",
        failure(l, host + "/b:v1").getMessage());
    assertEquals(
        "Registry gave no usable digest for c:v1: md5:abc",
        failure(l, host + "/c:v1").getMessage());
    assertEquals(
        "Image reference without a registry host: python:v1", failure(l, "python:v1").getMessage());
  }

  @Test
  void theCertificateOfAnHttpsRegistryIsVerified() {
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    HttpServer tls =
        vertx
            .createHttpServer(
                new HttpServerOptions().setSsl(true).setKeyCertOptions(cert.keyCertOptions()))
            .requestHandler(req -> req.response().putHeader("Docker-Content-Digest", DIGEST).end())
            .listen(0, "127.0.0.1")
            .await();
    int tlsPort = tls.actualPort();
    String image = "localhost:" + tlsPort + "/opensafely-core/python:v2";
    // HTTPS even on loopback here, as for any registry on the network
    RegistryDigestLookup untrusted =
        new RegistryDigestLookup(
            vertx, new WebClientOptions(), clock::get, RegistryDigestLookup.TIMEOUT, false);
    Throwable e = failure(untrusted, image);
    assertTrue(
        e.toString().contains("SSL") || e.toString().contains("certification path"), e.toString());
    RegistryDigestLookup trusting =
        new RegistryDigestLookup(
            vertx,
            new WebClientOptions().setTrustOptions(cert.trustOptions()),
            clock::get,
            RegistryDigestLookup.TIMEOUT,
            false);
    assertEquals(DIGEST, trusting.lookup(image).await());
    // the certificate names localhost: the same server under another name is refused
    Throwable wrongName = failure(trusting, "127.0.0.1:" + tlsPort + "/opensafely-core/python:v2");
    assertTrue(wrongName instanceof SSLHandshakeException, wrongName.toString());
    cert.delete();
  }

  @Test
  void runJobTasksCarryTheDigest() throws Exception {
    h = new Harness("sqlite", Map.of("DOCKER_REGISTRY", "127.0.0.1:" + port + "/opensafely-core"));
    assertTrue(h.ctx.config().imageDigestLookup(), "pinned by default wherever a registry is set");
    h.scheduler = Scheduler.create(h.vertx, h.ctx);
    Job job = h.insert(TestJob.of("generate").run("python:v2 analysis/x.py"));
    h.pass();
    Task t = h.task(job.id() + "-001");
    assertEquals(DIGEST, t.definition().getString("image_sha"), t.definition().encode());
  }

  @Test
  void localImagesOnlyIsTheExplicitWayToRunUnpinned() throws Exception {
    h =
        new Harness(
            "sqlite",
            Map.of(
                "DOCKER_REGISTRY",
                "127.0.0.1:" + port + "/opensafely-core",
                "LOCAL_IMAGES_ONLY",
                "true"));
    assertFalse(h.ctx.config().imageDigestLookup());
    h.scheduler = Scheduler.create(h.vertx, h.ctx);
    Job job = h.insert(TestJob.of("generate").run("python:v2 analysis/x.py"));
    h.pass();
    Task t = h.task(job.id() + "-001");
    assertTrue(t.definition().getValue("image_sha") == null, t.definition().encode());
  }
}

package org.rap.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rap.common.model.Job;
import org.rap.common.model.Task;

/**
 * The controller's registry digest lookup against a loopback registry that behaves like ghcr.io:
 * anonymous bearer tokens (401 challenge, token service), HEAD manifests with
 * Docker-Content-Digest, 404 for unknown tags.
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
    return new RegistryDigestLookup(HttpClient.newHttpClient(), clock::get);
  }

  @Test
  void resolvesATagWithAnAnonymousTokenAndCachesForAMinute() throws Exception {
    RegistryDigestLookup l = lookup();
    String image = "127.0.0.1:" + port + "/opensafely-core/python:v2";
    assertEquals(DIGEST, l.lookup(image));
    assertEquals(
        List.of(
            "HEAD /v2/opensafely-core/python/manifests/v2",
            "GET /token?service=registry.test&scope=repository%3Aopensafely-core%2Fpython%3Apull",
            "HEAD /v2/opensafely-core/python/manifests/v2"),
        requests);
    requests.clear();
    clock.addAndGet(RegistryDigestLookup.TTL.toNanos() - 1);
    assertEquals(DIGEST, l.lookup(image));
    assertTrue(requests.isEmpty(), "cached within the minute");
    clock.addAndGet(2);
    assertEquals(DIGEST, l.lookup(image));
    assertEquals(3, requests.size(), "asked again after the minute");
    assertEquals(
        "sha256:" + "cd".repeat(32), l.lookup("127.0.0.1:1/x/y@sha256:" + "cd".repeat(32)));
  }

  @Test
  void unknownTagsFailAndTheCacheFallsBackToTheLastDigestSeen() throws Exception {
    RegistryDigestLookup l = lookup();
    IOException e =
        assertThrows(
            IOException.class,
            () -> l.lookup("127.0.0.1:" + port + "/opensafely-core/python:nope"));
    assertTrue(e.getMessage().contains("404"), e.getMessage());
    // the reference's fallback: a failed lookup reuses the last digest seen for that reference
    String image = "127.0.0.1:" + port + "/opensafely-core/python:v2";
    CachingImageDigests digests = new CachingImageDigests(l);
    assertEquals(DIGEST, digests.digest(image));
    server.close().await();
    clock.addAndGet(RegistryDigestLookup.TTL.toNanos() + 1);
    assertEquals(DIGEST, digests.digest(image), "registry gone: last digest seen");
    assertNull(
        digests.digest("127.0.0.1:" + port + "/opensafely-core/r:latest"), "never seen: null");
  }

  @Test
  void onlyARegistryLookupNeedsAWorkerThread() {
    CachingImageDigests offline = CachingImageDigests.offline();
    assertFalse(offline.mayBlock(), "no registry: answered from memory on the event loop");
    assertNull(offline.digest("ghcr.io/opensafely-core/python:v2"));
    assertTrue(new CachingImageDigests(ref -> "sha256:x").mayBlock());
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

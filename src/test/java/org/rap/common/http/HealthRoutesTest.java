package org.rap.common.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The health answers byte for byte (docs/spec/task-api.md section 6), as probes, the image's
 * HEALTHCHECK and job-server's monitoring read them, with readiness checks that fail, hang or are
 * cut short by shutdown.
 */
class HealthRoutesTest {
  private final Vertx vertx = Vertx.vertx();
  private final AtomicReference<Supplier<Future<?>>> check =
      new AtomicReference<>(() -> Future.succeededFuture());
  private HealthRoutes health;
  private WebClient web;
  private int port;

  @BeforeEach
  void start() {
    health =
        new HealthRoutes("controller", "database", () -> check.get().get(), Duration.ofMillis(300));
    Router router = Router.router(vertx);
    health.mount(vertx, router);
    HttpServer server =
        vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
    port = server.actualPort();
    web = WebClient.create(vertx);
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private HttpResponse<Buffer> get(String path) {
    return web.get(port, "127.0.0.1", path).send().await();
  }

  private void assertAnswer(String path, int status, String body) {
    HttpResponse<Buffer> r = get(path);
    assertEquals(status, r.statusCode(), r.bodyAsString());
    assertEquals(body, r.bodyAsString());
    assertEquals("application/json", r.getHeader("Content-Type"));
  }

  @Test
  void upWhileTheRoleCanServe() {
    assertAnswer("/health/live", 200, "{\"status\":\"UP\",\"role\":\"controller\"}");
    assertAnswer("/health/ready", 200, "{\"status\":\"UP\",\"role\":\"controller\"}");
  }

  @Test
  void aFailedCheckIsDownWithItsReason() {
    check.set(() -> Future.failedFuture("Connection refused: localhost/127.0.0.1:5432"));
    assertAnswer(
        "/health/ready",
        503,
        "{\"status\":\"DOWN\",\"role\":\"controller\","
            + "\"reason\":\"Connection refused: localhost/127.0.0.1:5432\"}");
    assertAnswer("/health/live", 200, "{\"status\":\"UP\",\"role\":\"controller\"}");
  }

  @Test
  void aCheckThatHangsIsDownAfterItsTimeout() {
    check.set(() -> Promise.promise().future());
    long start = System.nanoTime();
    assertAnswer(
        "/health/ready",
        503,
        "{\"status\":\"DOWN\",\"role\":\"controller\","
            + "\"reason\":\"database check did not answer within 300 ms\"}");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms >= 250 && ms < 3_000, ms + " ms");
  }

  @Test
  void drainingIsDownAtOnceWhateverTheCheckDoes() {
    check.set(() -> Promise.promise().future());
    health.startDraining();
    long start = System.nanoTime();
    assertAnswer(
        "/health/ready",
        503,
        "{\"status\":\"DOWN\",\"role\":\"controller\",\"reason\":\"shutting down\"}");
    assertTrue((System.nanoTime() - start) / 1_000_000 < 250, "no wait for the hanging check");
    assertAnswer("/health/live", 200, "{\"status\":\"UP\",\"role\":\"controller\"}");
  }
}

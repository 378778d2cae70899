package org.rap.controller.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Settings;
import org.rap.common.model.Job;
import org.rap.common.telemetry.Telemetry;
import org.rap.common.telemetry.TelemetryConfig;
import org.rap.controller.ControllerContext;
import org.rap.controller.db.Database;
import org.rap.testing.Jobs;
import org.rap.testing.OtlpCollector;
import org.rap.testing.TestDatabases;

/** TICK traces: one root per tick with a span per active job, only on the loop holder. */
class TickTracesTest {
  @Test
  void ticksListActiveJobsByStatusCode() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (OtlpCollector collector = new OtlpCollector();
        Telemetry telemetry =
            Telemetry.create(
                TelemetryConfig.exportingTo(
                    collector.endpoint(), "controller", "test", Duration.ofMillis(100)))) {
      Database db = TestDatabases.open(vertx, "sqlite");
      ControllerContext ctx =
          ControllerContext.of(
              ControllerConfig.from(Settings.of(Map.of("BACKENDS", "test"))), db, telemetry);
      long now = System.currentTimeMillis() / 1000;
      Job a = Jobs.pending("rap1", "first", "test", "ws", now);
      Job b = Jobs.pending("rap1", "second", "test", "ws", now);
      db.inTransaction(c -> ctx.jobs().insertAll(c, List.of(a, b))).await();
      AtomicBoolean holdsLoop = new AtomicBoolean(false);
      TickTracesVerticle ticks = new TickTracesVerticle(ctx, Duration.ofHours(1), holdsLoop::get);
      vertx.deployVerticle(ticks).await();
      assertEquals(0, ticks.tick().await(), "a standby controller records no ticks");
      holdsLoop.set(true);
      assertEquals(2, ticks.tick().await());
      telemetry.flush();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (collector.spans().size() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      List<OtlpCollector.Span> spans = collector.spans();
      OtlpCollector.Span root =
          spans.stream()
              .filter(s -> s.name().equals("TICK"))
              .findFirst()
              .orElseThrow(() -> new AssertionError(spans.toString()));
      List<OtlpCollector.Span> children =
          spans.stream().filter(s -> s.parentSpanId().equals(root.spanId())).toList();
      assertEquals(2, children.size(), spans.toString());
      for (OtlpCollector.Span c : children) {
        assertEquals("CREATED", c.name());
        assertEquals(root.traceId(), c.traceId());
        assertEquals(root.startNs(), c.startNs());
        assertEquals(root.endNs(), c.endNs());
        assertTrue(List.of(a.id(), b.id()).contains(c.attributes().get("job.id")));
      }
      assertEquals(2L, root.attributes().get("active_jobs"));
      db.closeAsync().await();
    } finally {
      vertx.close().await();
    }
  }
}

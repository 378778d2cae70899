package org.rap.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.rap.agent.bus.AgentAddresses;
import org.rap.agent.bus.LocalMessages;

/**
 * The metrics verticle's messages: it samples what the executor reports running until it reports it
 * stopped, and answers the executor's requests for a job's aggregates.
 */
@ExtendWith(VertxExtension.class)
class MetricsVerticleTest {
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  @TempDir Path dir;
  final AgentAddresses addresses = AgentAddresses.of("metrics-test");
  final List<String> sampled = new CopyOnWriteArrayList<>();

  MetricsVerticle verticle(MetricsStore store) {
    return new MetricsVerticle(
        job -> {
          sampled.add(job.jobId());
          return Optional.of(
              new ContainerSample(
                  job.jobId(), job.runId(), job.createdAtEpochSeconds(), 50.0, 2L << 20));
        },
        store,
        Duration.ofHours(1),
        2,
        null,
        addresses);
  }

  Future<JsonObject> askMetrics(Vertx vertx, String jobId) {
    return LocalMessages.request(vertx, addresses.jobMetrics(), jobId, TIMEOUT);
  }

  @Test
  void samplesWhatTheExecutorReportsRunningUntilItStops(Vertx vertx, VertxTestContext ctx) {
    MetricsStore store = new MetricsStore(dir.resolve("metrics.sqlite"));
    MetricsVerticle metrics = verticle(store);
    long created = System.currentTimeMillis() / 1000 - 10;
    vertx
        .deployVerticle(metrics)
        .compose(
            id -> {
              LocalMessages.publish(
                  vertx, addresses.runStarted(), new RunningJob("j1", "c1", created));
              LocalMessages.publish(
                  vertx, addresses.runStarted(), new RunningJob("j2", "c2", created));
              LocalMessages.publish(vertx, addresses.runStopped(), "j2");
              // delivered after the three above, on the same context
              return askMetrics(vertx, "j1");
            })
        .compose(
            before -> {
              ctx.verify(() -> assertEquals(new JsonObject(), before, "nothing sampled yet"));
              return metrics.tick();
            })
        .compose(v -> Future.all(askMetrics(vertx, "j1"), askMetrics(vertx, "j2")))
        .onComplete(
            ctx.succeeding(
                both ->
                    ctx.verify(
                        () -> {
                          assertEquals(List.of("j1"), sampled, "j2 stopped before the tick");
                          JsonObject j1 = both.resultAt(0);
                          assertEquals(50.0, j1.getDouble("cpu_sample"));
                          assertEquals(2.0, j1.getDouble("mem_mb_sample"));
                          assertEquals("c1", j1.getString("container_id"));
                          assertEquals(new JsonObject(), both.resultAt(1));
                          assertEquals(
                              List.of(new RunningJob("j1", "c1", created)), metrics.running());
                          ctx.completeNow();
                        })));
  }

  @Test
  void aFailingSampleIsLoggedAndTheOthersAreKept(Vertx vertx, VertxTestContext ctx) {
    MetricsStore store = new MetricsStore(dir.resolve("metrics.sqlite"));
    long created = System.currentTimeMillis() / 1000 - 10;
    MetricsVerticle metrics =
        new MetricsVerticle(
            job -> {
              if (job.jobId().equals("bad")) {
                throw new IllegalStateException("stats failed");
              }
              return Optional.of(new ContainerSample(job.jobId(), "c", created, 1.0, 1L << 20));
            },
            store,
            Duration.ofHours(1),
            2,
            null,
            addresses);
    vertx
        .deployVerticle(metrics)
        .compose(
            id -> {
              LocalMessages.publish(vertx, addresses.runStarted(), new RunningJob("bad", "x", 0));
              LocalMessages.publish(
                  vertx, addresses.runStarted(), new RunningJob("good", "c", created));
              return askMetrics(vertx, "good");
            })
        .compose(v -> metrics.tick())
        .compose(v -> askMetrics(vertx, "good"))
        .onComplete(
            ctx.succeeding(
                good ->
                    ctx.verify(
                        () -> {
                          assertTrue(good.containsKey("cpu_mean"), good.encode());
                          ctx.completeNow();
                        })));
  }
}

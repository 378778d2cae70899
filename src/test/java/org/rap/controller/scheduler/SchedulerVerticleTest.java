package org.rap.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Settings;
import org.rap.controller.ControllerContext;
import org.rap.controller.ControllerEvents;
import org.rap.testing.Eventually;

/** Event-driven wake-ups and coalescing of the scheduler verticle. */
@ExtendWith(VertxExtension.class)
class SchedulerVerticleTest {
  /** A lock that is always held. */
  private static final class Held implements SchedulerLock {
    private boolean held;

    @Override
    public Future<Boolean> tryAcquire() {
      held = true;
      return Future.succeededFuture(true);
    }

    @Override
    public boolean isHeld() {
      return held;
    }

    @Override
    public Future<Void> release() {
      return Future.succeededFuture();
    }

    @Override
    public String describe() {
      return "test lock";
    }
  }

  /** Passes that start when the verticle asks and end when the test completes them. */
  private static final class Passes implements PassRunner {
    final List<Promise<Scheduler.PassStats>> started = new CopyOnWriteArrayList<>();
    final AtomicInteger concurrent = new AtomicInteger();
    final AtomicInteger maxConcurrent = new AtomicInteger();

    @Override
    public Future<Scheduler.PassStats> runPass() {
      maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
      Promise<Scheduler.PassStats> p = Promise.promise();
      started.add(p);
      return p.future().onComplete(x -> concurrent.decrementAndGet());
    }

    /** Waits for pass {@code n} (from 1) to start, then completes it. */
    Future<Void> finish(Vertx vertx, int n) {
      return Eventually.until(vertx, "pass " + n, () -> started.size() >= n)
          .onSuccess(v -> started.get(n - 1).complete(new Scheduler.PassStats(0, 0, 0, 0, 0, 0)));
    }
  }

  @Test
  void eventsWakeThePassAndBurstsCoalesceIntoOneMorePass(Vertx vertx, VertxTestContext test) {
    // safety net effectively off: only events wake the loop
    ControllerConfig config =
        ControllerConfig.from(Settings.of(Map.of("BACKENDS", "test", "JOB_LOOP_INTERVAL", "3600")));
    Passes passes = new Passes();
    List<String> wakes =
        List.of(
            ControllerEvents.JOB_CREATED,
            ControllerEvents.JOB_CANCELLED,
            ControllerEvents.TASK_UPDATED,
            ControllerEvents.FLAG_CHANGED);
    Future<Void> steps =
        vertx
            .deployVerticle(
                new SchedulerVerticle(
                    ControllerContext.of(config, null), x -> passes, x -> new Held()))
            .compose(id -> passes.finish(vertx, 1)) // the first pass on taking the lock
            .compose(v -> quietFor(vertx, test, passes, 1, "no event, no pass"));
    for (int i = 0; i < wakes.size(); i++) {
      String address = wakes.get(i);
      int n = i + 2;
      steps =
          steps.compose(
              v -> {
                vertx.eventBus().publish(address, new JsonObject().put("backend", "test"));
                return passes.finish(vertx, n);
              });
    }
    steps
        // a burst while a pass runs schedules exactly one more pass
        .compose(
            v -> {
              vertx.eventBus().publish(ControllerEvents.JOB_CREATED, new JsonObject());
              return Eventually.until(vertx, "pass 6", () -> passes.started.size() == 6);
            })
        .compose(
            v -> {
              for (int i = 0; i < 50; i++) {
                vertx.eventBus().publish(ControllerEvents.TASK_UPDATED, new JsonObject());
              }
              return quietFor(vertx, test, passes, 6, "no second pass while one runs");
            })
        .compose(v -> passes.finish(vertx, 6))
        .compose(v -> passes.finish(vertx, 7))
        .compose(v -> quietFor(vertx, test, passes, 7, "the burst produced exactly one more"))
        .onComplete(
            test.succeeding(
                v ->
                    test.verify(
                        () -> {
                          assertEquals(1, passes.maxConcurrent.get());
                          test.completeNow();
                        })));
  }

  /** After 200 ms, still exactly {@code count} passes. */
  private static Future<Void> quietFor(
      Vertx vertx, VertxTestContext test, Passes passes, int count, String why) {
    return vertx
        .timer(200)
        .map(
            t -> {
              test.verify(() -> assertEquals(count, passes.started.size(), why));
              return null;
            });
  }

  @Test
  void failedPassesDoNotStopTheLoop(Vertx vertx, VertxTestContext test) {
    ControllerConfig config =
        ControllerConfig.from(Settings.of(Map.of("BACKENDS", "test", "JOB_LOOP_INTERVAL", "0.05")));
    AtomicInteger calls = new AtomicInteger();
    Checkpoint fivePasses = test.laxCheckpoint(5);
    PassRunner runner =
        () -> {
          fivePasses.flag();
          if (calls.incrementAndGet() % 2 == 1) {
            throw new IllegalStateException("boom");
          }
          return Future.failedFuture("database unavailable");
        };
    vertx
        .deployVerticle(
            new SchedulerVerticle(ControllerContext.of(config, null), x -> runner, x -> new Held()))
        .onFailure(test::failNow); // five passes flag the checkpoint and complete the test
  }
}

package org.rap.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Settings;
import org.rap.controller.ControllerContext;
import org.rap.controller.ControllerEvents;

/** Event-driven wake-ups and coalescing of the scheduler verticle. */
class SchedulerVerticleTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

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

  @Test
  void eventsWakeThePassAndBurstsCoalesceIntoOneMorePass() throws Exception {
    // safety net effectively off: only events wake the loop
    ControllerConfig config =
        ControllerConfig.from(Settings.of(Map.of("BACKENDS", "test", "JOB_LOOP_INTERVAL", "3600")));
    ControllerContext ctx = ControllerContext.of(config, null);
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger maxConcurrent = new AtomicInteger();
    List<Promise<Scheduler.PassStats>> passes = new CopyOnWriteArrayList<>();
    PassRunner runner =
        () -> {
          maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
          Promise<Scheduler.PassStats> p = Promise.promise();
          passes.add(p);
          return p.future().onComplete(x -> concurrent.decrementAndGet());
        };
    SchedulerVerticle v = new SchedulerVerticle(ctx, x -> runner, x -> new Held());
    vertx.deployVerticle(v).await();
    waitFor(() -> passes.size() == 1); // the first pass on taking the lock
    complete(passes.get(0));
    Thread.sleep(100);
    assertEquals(1, passes.size(), "no event, no pass");

    for (String address :
        List.of(
            ControllerEvents.JOB_CREATED,
            ControllerEvents.JOB_CANCELLED,
            ControllerEvents.TASK_UPDATED,
            ControllerEvents.FLAG_CHANGED)) {
      int before = passes.size();
      vertx.eventBus().publish(address, new JsonObject().put("backend", "test"));
      waitFor(() -> passes.size() == before + 1);
      complete(passes.get(before));
    }

    // a burst while a pass runs schedules exactly one more pass
    vertx.eventBus().publish(ControllerEvents.JOB_CREATED, new JsonObject());
    waitFor(() -> passes.size() == 6);
    for (int i = 0; i < 50; i++) {
      vertx.eventBus().publish(ControllerEvents.TASK_UPDATED, new JsonObject());
    }
    Thread.sleep(200);
    assertEquals(6, passes.size(), "no second pass while one runs");
    complete(passes.get(5));
    waitFor(() -> passes.size() == 7);
    complete(passes.get(6));
    Thread.sleep(200);
    assertEquals(7, passes.size(), "the burst produced exactly one more pass");
    assertEquals(1, maxConcurrent.get());
  }

  @Test
  void failedPassesDoNotStopTheLoop() throws Exception {
    ControllerConfig config =
        ControllerConfig.from(Settings.of(Map.of("BACKENDS", "test", "JOB_LOOP_INTERVAL", "0.05")));
    AtomicInteger calls = new AtomicInteger();
    PassRunner runner =
        () -> {
          calls.incrementAndGet();
          if (calls.get() % 2 == 1) {
            throw new IllegalStateException("boom");
          }
          return Future.failedFuture("database unavailable");
        };
    vertx
        .deployVerticle(
            new SchedulerVerticle(ControllerContext.of(config, null), x -> runner, x -> new Held()))
        .await();
    waitFor(() -> calls.get() >= 5);
  }

  private void complete(Promise<Scheduler.PassStats> p) {
    vertx.runOnContext(x -> p.complete(new Scheduler.PassStats(0, 0, 0, 0, 0, 0)));
  }

  private static void waitFor(BooleanSupplier cond) throws InterruptedException {
    for (int i = 0; i < 200 && !cond.getAsBoolean(); i++) {
      Thread.sleep(25);
    }
    assertTrue(cond.getAsBoolean(), "condition not reached");
  }
}

package org.rap.agent.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.rap.agent.executor.DbTaskRunner;
import org.rap.common.model.ExecutorState;
import org.rap.testing.Eventually;

/** The poller against a real HTTP controller on loopback. */
@ExtendWith(VertxExtension.class)
class PollerVerticleTest {
  Vertx vertx;
  final FakeExecutor executor = new FakeExecutor();
  final FatalErrors fatal = new FatalErrors();
  final AtomicInteger dbRuns = new AtomicInteger();
  FakeController controller;
  TaskApiClient api;
  TaskDispatcher dispatcher;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
  }

  @AfterEach
  void tearDown() {
    if (api != null) {
      api.close();
    }
    if (controller != null) {
      controller.stop();
    }
  }

  /** Deploys the poller (the controller is started before, on the test's thread). */
  Future<String> start(boolean longPoll, int waitSeconds, String agentToken) {
    controller = new FakeController(vertx, "test", "secret-token", longPoll).start();
    api =
        new TaskApiClient(
            vertx, controller.endpoint(), "test", agentToken, Duration.ofSeconds(5), fatal);
    JobTaskHandler jobs = new JobTaskHandler(executor, RepoValidator.ACCEPT_ALL, api, () -> 999L);
    DbTaskRunner runner =
        (image, sha, args, env, network) -> {
          dbRuns.incrementAndGet();
          return Future.succeededFuture("db-maintenance;1\n");
        };
    DbTaskHandler db = new DbTaskHandler(runner, Map.of("default", "mssql://db"), "jobrunner-db");
    dispatcher = new TaskDispatcher(jobs, db, api, 8);
    PollerSettings settings =
        new PollerSettings(
            Duration.ofMillis(30),
            waitSeconds,
            Duration.ofMillis(10),
            Duration.ofMillis(100),
            Duration.ofSeconds(2));
    return vertx.deployVerticle(new PollerVerticle(api, dispatcher, settings, fatal));
  }

  /** Completes after {@code ms}: for checks that something does not happen meanwhile. */
  static Future<Void> later(Vertx vertx, long ms) {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(ms, id -> p.complete());
    return p.future();
  }

  Future<Void> until(String what, BooleanSupplier condition) {
    return Eventually.until(vertx, what, condition);
  }

  /** Fails the test with {@code steps}' failure, or completes it. */
  static void finish(VertxTestContext ctx, Future<?> steps) {
    steps.onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void longPollingControllerHoldsTheRequestAndAnswersWhenATaskArrives(VertxTestContext ctx) {
    finish(
        ctx,
        start(true, 5, "secret-token")
            .compose(id -> until("a held poll", () -> controller.heldPolls.get() >= 1))
            .compose(
                v -> {
                  controller.add(TestTasks.dbStatus("db1"));
                  return until(
                      "the DB status update", () -> !controller.updatesFor("db1").isEmpty());
                })
            .compose(
                v -> {
                  JsonObject u = controller.updatesFor("db1").get(0);
                  assertEquals("", u.getString("stage"));
                  assertTrue(u.getBoolean("complete"));
                  assertNull(u.getValue("timestamp_ns"));
                  assertEquals(
                      new JsonObject()
                          .put("results", new JsonObject().put("status", "db-maintenance"))
                          .putNull("error"),
                      u.getJsonObject("results"));
                  assertTrue(controller.waits.contains("5"));
                  assertFalse(controller.isActive("db1"));
                  return later(vertx, 100);
                })
            .map(
                v -> {
                  assertEquals(1, controller.updatesFor("db1").size());
                  assertEquals(1, dbRuns.get());
                  return v;
                }));
  }

  @Test
  void referenceControllerIgnoringWaitDrivesARunJobToCompletion(VertxTestContext ctx) {
    finish(
        ctx,
        start(false, 5, "secret-token")
            .compose(
                id -> {
                  controller.add(TestTasks.runJob("job1"));
                  return until(
                      "executing",
                      () -> controller.stagesFor("job1-001").contains("executing/false"));
                })
            .compose(
                v ->
                    until(
                        "a repeated executing",
                        () ->
                            controller.stagesFor("job1-001").stream()
                                    .filter("executing/false"::equals)
                                    .count()
                                >= 2))
            .compose(
                v -> {
                  executor.finish("job1");
                  return until("completion", () -> !controller.isActive("job1-001"));
                })
            .compose(
                v -> {
                  List<String> stages = controller.stagesFor("job1-001");
                  assertEquals(
                      List.of("preparing/false", "prepared/false", "executing/false"),
                      stages.subList(0, 3));
                  assertEquals(
                      List.of("finalizing/false", "finalized/true"),
                      stages.subList(stages.size() - 2, stages.size()));
                  assertTrue(
                      stages.subList(2, stages.size() - 2).stream()
                          .allMatch("executing/false"::equals),
                      stages.toString());
                  List<JsonObject> updates = controller.updatesFor("job1-001");
                  assertEquals(
                      FakeExecutor.FINAL_TS,
                      updates.get(updates.size() - 1).getLong("timestamp_ns"));
                  assertEquals(999L, updates.get(0).getLong("timestamp_ns"));
                  assertEquals(FakeExecutor.PREPARED_TS, updates.get(1).getLong("timestamp_ns"));
                  assertEquals(FakeExecutor.STARTED_TS, updates.get(2).getLong("timestamp_ns"));
                  return later(vertx, 100);
                })
            .map(
                v -> {
                  assertEquals(1, count("finalize"));
                  assertEquals(1, count("prepare"));
                  assertEquals(1, count("execute"));
                  return v;
                }));
  }

  private long count(String prefix) {
    return executor.calls.stream().filter(c -> c.startsWith(prefix)).count();
  }

  @Test
  void cancelJobTaskFromTheController(VertxTestContext ctx) {
    executor.set("job1", ExecutorState.EXECUTING, FakeExecutor.STARTED_TS, null);
    finish(
        ctx,
        start(false, 0, "secret-token")
            .compose(
                id -> {
                  controller.add(TestTasks.cancelJob("job1"));
                  return until("cancel complete", () -> !controller.isActive("job1-001-cancel"));
                })
            .map(
                v -> {
                  assertEquals(
                      List.of("executing/false", "executed/false", "finalized/true"),
                      controller.stagesFor("job1-001-cancel"));
                  assertTrue(
                      controller.waits.stream().allMatch(String::isEmpty),
                      "no wait parameter when long polling is off");
                  return v;
                }));
  }

  @Test
  void transientErrorsBackOffAndTheAgentKeepsGoing(VertxTestContext ctx) {
    AtomicInteger first = new AtomicInteger();
    AtomicInteger before = new AtomicInteger();
    finish(
        ctx,
        start(true, 1, "secret-token")
            .compose(
                id -> {
                  first.set(controller.gets.get());
                  controller.failGets.addAll(List.of(500, 429, 503, -1, 502, -1));
                  // every failure is answered by another poll (one in flight may be answered
                  // first)
                  return until("the errors are consumed", () -> controller.failGets.isEmpty());
                })
            .compose(
                v -> {
                  controller.add(TestTasks.dbStatus("db1"));
                  return until(
                      "the update after the errors", () -> !controller.updatesFor("db1").isEmpty());
                })
            .compose(
                v -> {
                  assertTrue(
                      controller.gets.get() >= first.get() + 7, "gets: " + controller.gets.get());
                  assertFalse(fatal.isFatal());
                  // still polling afterwards
                  before.set(controller.gets.get());
                  controller.add(TestTasks.dataCheck("dc1"));
                  return until("the next task", () -> !controller.updatesFor("dc1").isEmpty());
                })
            // the task may come on a poll that was already held; the agent then polls again
            .compose(v -> until("another poll", () -> controller.gets.get() > before.get())));
  }

  @Test
  void aFailedUpdateIsRetriedOnALaterRound(VertxTestContext ctx) {
    finish(
        ctx,
        start(false, 0, "secret-token")
            .compose(
                id -> {
                  controller.failPosts.addAll(List.of(500, -1));
                  controller.add(TestTasks.dbStatus("db1"));
                  return until("the update", () -> !controller.updatesFor("db1").isEmpty());
                })
            .map(
                v -> {
                  assertEquals(3, dbRuns.get());
                  assertFalse(fatal.isFatal());
                  return v;
                }));
  }

  @Test
  void unauthorisedIsFatalAndStopsPolling(VertxTestContext ctx) {
    AtomicInteger gets = new AtomicInteger();
    finish(
        ctx,
        start(false, 0, "wrong-token")
            .compose(
                id -> {
                  controller.add(TestTasks.dbStatus("db1"));
                  return until("fatal", fatal::isFatal);
                })
            .compose(
                v -> {
                  String reason = fatal.reason().get();
                  assertTrue(reason.contains("CONTROLLER_TASK_API_TOKEN"), reason);
                  assertTrue(reason.contains("TEST_JOB_SERVER_TOKEN"), reason);
                  assertTrue(reason.contains("401"), reason);
                  gets.set(controller.gets.get());
                  return later(vertx, 300);
                })
            .map(
                v -> {
                  assertEquals(gets.get(), controller.gets.get(), "no more polls after a 401");
                  assertEquals(0, dbRuns.get());
                  return v;
                }));
  }

  @Test
  void forbiddenUpdateIsFatalToo(VertxTestContext ctx) {
    AtomicInteger gets = new AtomicInteger();
    finish(
        ctx,
        start(false, 0, "secret-token")
            .compose(
                id -> {
                  controller.failPosts.add(403);
                  controller.add(TestTasks.dbStatus("db1"));
                  return until("fatal", fatal::isFatal);
                })
            .compose(
                v -> {
                  assertTrue(fatal.reason().get().contains("HTTP 403"));
                  gets.set(controller.gets.get());
                  return later(vertx, 300);
                })
            .map(
                v -> {
                  assertTrue(controller.gets.get() <= gets.get() + 1, "polling stops");
                  return v;
                }));
  }

  /** Starts the poller (no long poll) and gives it job1, until job1 reported preparing. */
  private Future<Void> job1Preparing() {
    return start(false, 0, "secret-token")
        .compose(
            id -> {
              controller.add(TestTasks.runJob("job1"));
              return until(
                  "preparing reported",
                  () -> controller.stagesFor("job1-001").contains("preparing/false"));
            });
  }

  @Test
  void aTaskIsNeverHandledTwiceConcurrently(VertxTestContext ctx) {
    Promise<Void> gate = Promise.promise();
    executor.prepareGate = gate;
    AtomicInteger gets = new AtomicInteger();
    finish(
        ctx,
        job1Preparing()
            .compose(
                v -> {
                  gets.set(controller.gets.get());
                  return until("many more polls", () -> controller.gets.get() >= gets.get() + 10);
                })
            .compose(
                v -> {
                  assertTrue(dispatcher.isInFlight("job1-001"));
                  assertEquals(
                      1,
                      executor.calls.stream().filter("status:job1"::equals).count(),
                      executor.calls.toString());
                  assertEquals(List.of("preparing/false"), controller.stagesFor("job1-001"));
                  gate.complete();
                  return until(
                      "prepared",
                      () -> controller.stagesFor("job1-001").contains("prepared/false"));
                })
            .map(
                v -> {
                  assertEquals(1, executor.calls.stream().filter("prepare:job1"::equals).count());
                  return v;
                }));
  }

  @Test
  void cancelWaitsForTheInFlightRunJobOfTheSameJob(VertxTestContext ctx) {
    Promise<Void> gate = Promise.promise();
    executor.prepareGate = gate;
    AtomicInteger gets = new AtomicInteger();
    finish(
        ctx,
        job1Preparing()
            .compose(
                v -> {
                  controller.add(TestTasks.cancelJob("job1"));
                  gets.set(controller.gets.get());
                  return until("more polls", () -> controller.gets.get() >= gets.get() + 5);
                })
            .compose(
                v -> {
                  assertEquals(
                      List.of(),
                      controller.stagesFor("job1-001-cancel"),
                      "cancel not started during prepare");
                  assertFalse(executor.calls.contains("status-cancelled:job1"));
                  gate.complete();
                  return until("cancel complete", () -> !controller.isActive("job1-001-cancel"));
                })
            .map(
                v -> {
                  assertEquals(
                      List.of("prepared/false", "finalized/true"),
                      controller.stagesFor("job1-001-cancel"));
                  int prepared = executor.calls.indexOf("prepare:job1");
                  int cancelStatus = executor.calls.indexOf("status-cancelled:job1");
                  assertTrue(prepared >= 0 && prepared < cancelStatus, executor.calls.toString());
                  return v;
                }));
  }

  @Test
  void aReferenceControllerIsPolledAtMostOncePerInterval(VertxTestContext ctx) {
    controller = new FakeController(vertx, "test", "secret-token", false).start();
    api =
        new TaskApiClient(
            vertx, controller.endpoint(), "test", "secret-token", Duration.ofSeconds(5), fatal);
    dispatcher =
        new TaskDispatcher(
            new JobTaskHandler(executor, RepoValidator.ACCEPT_ALL, api, () -> 1L), null, api, 4);
    PollerSettings settings =
        new PollerSettings(
            Duration.ofMillis(200),
            30,
            Duration.ofMillis(10),
            Duration.ofMillis(100),
            Duration.ofSeconds(1));
    AtomicLong t0 = new AtomicLong(System.nanoTime());
    finish(
        ctx,
        vertx
            .deployVerticle(new PollerVerticle(api, dispatcher, settings, fatal))
            .compose(id -> later(vertx, 1000))
            .map(
                v -> {
                  long elapsedMs = (System.nanoTime() - t0.get()) / 1_000_000;
                  int gets = controller.gets.get();
                  assertTrue(gets >= 1);
                  assertTrue(
                      gets <= elapsedMs / 200 + 2, "polled " + gets + " times in " + elapsedMs);
                  assertTrue(controller.waits.contains("30"), "the agent asks for long polling");
                  return v;
                }));
  }

  @Test
  void anIdleLongPollingControllerIsNotHammered(VertxTestContext ctx) {
    AtomicLong t0 = new AtomicLong();
    finish(
        ctx,
        start(true, 1, "secret-token")
            .compose(
                id -> {
                  t0.set(System.nanoTime());
                  return later(vertx, 1500);
                })
            .map(
                v -> {
                  long elapsedMs = (System.nanoTime() - t0.get()) / 1_000_000;
                  // each poll is held for ~1 s by the controller
                  assertTrue(
                      controller.gets.get() <= elapsedMs / 1000 + 2,
                      "polled " + controller.gets.get() + " times");
                  assertTrue(controller.heldPolls.get() >= 1);
                  return v;
                }));
  }

  @Test
  void oneFailingTaskDoesNotStopTheOthers(VertxTestContext ctx) {
    executor.set("bad", ExecutorState.PREPARING, null, null); // unexpected -> error
    finish(
        ctx,
        start(false, 0, "secret-token")
            .compose(
                id -> {
                  controller.add(TestTasks.runJob("bad"));
                  controller.add(TestTasks.dbStatus("db1"));
                  controller.add(TestTasks.runJob("good"));
                  return until(
                      "good prepared",
                      () -> controller.stagesFor("good-001").contains("prepared/false"));
                })
            .compose(v -> until("db done", () -> !controller.isActive("db1")))
            .compose(
                v ->
                    until(
                        "bad task retried",
                        () -> executor.calls.stream().filter("status:bad"::equals).count() >= 2))
            .map(
                v -> {
                  assertTrue(controller.isActive("bad-001"));
                  assertEquals(List.of(), controller.stagesFor("bad-001"));
                  return v;
                }));
  }
}

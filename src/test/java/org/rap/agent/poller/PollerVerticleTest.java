package org.rap.agent.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rap.agent.executor.DbTaskRunner;
import org.rap.common.model.ExecutorState;

/** The poller against a real HTTP controller on loopback. */
class PollerVerticleTest {
  final Vertx vertx = Vertx.vertx();
  final FakeExecutor executor = new FakeExecutor();
  final FatalErrors fatal = new FatalErrors();
  final AtomicInteger dbRuns = new AtomicInteger();
  FakeController controller;
  TaskApiClient api;
  TaskDispatcher dispatcher;
  String deployment;

  @AfterEach
  void tearDown() {
    if (deployment != null) {
      vertx.undeploy(deployment).await();
    }
    if (api != null) {
      api.close();
    }
    if (controller != null) {
      controller.stop();
    }
    vertx.close().await();
  }

  void start(boolean longPoll, int waitSeconds, String agentToken) {
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
    deployment = vertx.deployVerticle(new PollerVerticle(api, dispatcher, settings, fatal)).await();
  }

  static void awaitUntil(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void longPollingControllerHoldsTheRequestAndAnswersWhenATaskArrives() throws Exception {
    start(true, 5, "secret-token");
    awaitUntil("a held poll", () -> controller.heldPolls.get() >= 1);
    controller.add(TestTasks.dbStatus("db1"));
    awaitUntil("the DB status update", () -> !controller.updatesFor("db1").isEmpty());
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
    Thread.sleep(100);
    assertEquals(1, controller.updatesFor("db1").size());
    assertEquals(1, dbRuns.get());
  }

  @Test
  void referenceControllerIgnoringWaitDrivesARunJobToCompletion() throws Exception {
    start(false, 5, "secret-token");
    controller.add(TestTasks.runJob("job1"));
    awaitUntil("executing", () -> controller.stagesFor("job1-001").contains("executing/false"));
    awaitUntil(
        "a repeated executing",
        () ->
            controller.stagesFor("job1-001").stream().filter("executing/false"::equals).count()
                >= 2);
    executor.finish("job1");
    awaitUntil("completion", () -> !controller.isActive("job1-001"));
    List<String> stages = controller.stagesFor("job1-001");
    assertEquals(
        List.of("preparing/false", "prepared/false", "executing/false"), stages.subList(0, 3));
    assertEquals(
        List.of("finalizing/false", "finalized/true"),
        stages.subList(stages.size() - 2, stages.size()));
    assertTrue(
        stages.subList(2, stages.size() - 2).stream().allMatch("executing/false"::equals),
        stages.toString());
    List<JsonObject> updates = controller.updatesFor("job1-001");
    assertEquals(FakeExecutor.FINAL_TS, updates.get(updates.size() - 1).getLong("timestamp_ns"));
    assertEquals(999L, updates.get(0).getLong("timestamp_ns"));
    assertEquals(FakeExecutor.PREPARED_TS, updates.get(1).getLong("timestamp_ns"));
    assertEquals(FakeExecutor.STARTED_TS, updates.get(2).getLong("timestamp_ns"));
    Thread.sleep(100);
    assertEquals(1, executor.calls.stream().filter(c -> c.startsWith("finalize")).count());
    assertEquals(1, executor.calls.stream().filter(c -> c.startsWith("prepare")).count());
    assertEquals(1, executor.calls.stream().filter(c -> c.startsWith("execute")).count());
  }

  @Test
  void cancelJobTaskFromTheController() throws Exception {
    start(false, 0, "secret-token");
    executor.set("job1", ExecutorState.EXECUTING, FakeExecutor.STARTED_TS, null);
    controller.add(TestTasks.cancelJob("job1"));
    awaitUntil("cancel complete", () -> !controller.isActive("job1-001-cancel"));
    assertEquals(
        List.of("executing/false", "executed/false", "finalized/true"),
        controller.stagesFor("job1-001-cancel"));
    assertTrue(
        controller.waits.stream().allMatch(String::isEmpty),
        "no wait parameter when long polling is off");
  }

  @Test
  void transientErrorsBackOffAndTheAgentKeepsGoing() throws Exception {
    start(true, 1, "secret-token");
    int first = controller.gets.get();
    controller.failGets.addAll(List.of(500, 429, 503, -1, 502, -1));
    // every failure is answered by another poll (a poll already in flight may be answered first)
    awaitUntil("the errors are consumed", () -> controller.failGets.isEmpty());
    controller.add(TestTasks.dbStatus("db1"));
    awaitUntil("the update after the errors", () -> !controller.updatesFor("db1").isEmpty());
    assertTrue(controller.gets.get() >= first + 7, "gets: " + controller.gets.get());
    assertFalse(fatal.isFatal());
    // still polling afterwards
    int before = controller.gets.get();
    controller.add(TestTasks.dataCheck("dc1"));
    awaitUntil("the next task", () -> !controller.updatesFor("dc1").isEmpty());
    assertTrue(controller.gets.get() > before);
  }

  @Test
  void aFailedUpdateIsRetriedOnALaterRound() throws Exception {
    start(false, 0, "secret-token");
    controller.failPosts.addAll(List.of(500, -1));
    controller.add(TestTasks.dbStatus("db1"));
    awaitUntil("the update", () -> !controller.updatesFor("db1").isEmpty());
    assertEquals(3, dbRuns.get());
    assertFalse(fatal.isFatal());
  }

  @Test
  void unauthorisedIsFatalAndStopsPolling() throws Exception {
    start(false, 0, "wrong-token");
    controller.add(TestTasks.dbStatus("db1"));
    awaitUntil("fatal", fatal::isFatal);
    String reason = fatal.reason().get();
    assertTrue(reason.contains("CONTROLLER_TASK_API_TOKEN"), reason);
    assertTrue(reason.contains("TEST_JOB_SERVER_TOKEN"), reason);
    assertTrue(reason.contains("401"), reason);
    int gets = controller.gets.get();
    Thread.sleep(300);
    assertEquals(gets, controller.gets.get(), "no more polls after a 401");
    assertEquals(0, dbRuns.get());
  }

  @Test
  void forbiddenUpdateIsFatalToo() throws Exception {
    start(false, 0, "secret-token");
    controller.failPosts.add(403);
    controller.add(TestTasks.dbStatus("db1"));
    awaitUntil("fatal", fatal::isFatal);
    assertTrue(fatal.reason().get().contains("HTTP 403"));
    int gets = controller.gets.get();
    Thread.sleep(300);
    assertTrue(controller.gets.get() <= gets + 1, "polling stops");
  }

  @Test
  void aTaskIsNeverHandledTwiceConcurrently() throws Exception {
    Promise<Void> gate = Promise.promise();
    executor.prepareGate = gate;
    start(false, 0, "secret-token");
    controller.add(TestTasks.runJob("job1"));
    awaitUntil(
        "preparing reported", () -> controller.stagesFor("job1-001").contains("preparing/false"));
    int gets = controller.gets.get();
    awaitUntil("many more polls", () -> controller.gets.get() >= gets + 10);
    assertTrue(dispatcher.isInFlight("job1-001"));
    assertEquals(
        1,
        executor.calls.stream().filter("status:job1"::equals).count(),
        executor.calls.toString());
    assertEquals(List.of("preparing/false"), controller.stagesFor("job1-001"));
    gate.complete();
    awaitUntil("prepared", () -> controller.stagesFor("job1-001").contains("prepared/false"));
    assertEquals(1, executor.calls.stream().filter("prepare:job1"::equals).count());
  }

  @Test
  void cancelWaitsForTheInFlightRunJobOfTheSameJob() throws Exception {
    Promise<Void> gate = Promise.promise();
    executor.prepareGate = gate;
    start(false, 0, "secret-token");
    controller.add(TestTasks.runJob("job1"));
    awaitUntil(
        "preparing reported", () -> controller.stagesFor("job1-001").contains("preparing/false"));
    controller.add(TestTasks.cancelJob("job1"));
    int gets = controller.gets.get();
    awaitUntil("more polls", () -> controller.gets.get() >= gets + 5);
    assertEquals(
        List.of(), controller.stagesFor("job1-001-cancel"), "cancel not started during prepare");
    assertFalse(executor.calls.contains("status-cancelled:job1"));
    gate.complete();
    awaitUntil("cancel complete", () -> !controller.isActive("job1-001-cancel"));
    assertEquals(
        List.of("prepared/false", "finalized/true"), controller.stagesFor("job1-001-cancel"));
    int prepared = executor.calls.indexOf("prepare:job1");
    int cancelStatus = executor.calls.indexOf("status-cancelled:job1");
    assertTrue(prepared >= 0 && prepared < cancelStatus, executor.calls.toString());
  }

  @Test
  void aReferenceControllerIsPolledAtMostOncePerInterval() throws Exception {
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
    long t0 = System.nanoTime();
    deployment = vertx.deployVerticle(new PollerVerticle(api, dispatcher, settings, fatal)).await();
    Thread.sleep(1000);
    long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
    int gets = controller.gets.get();
    assertTrue(gets >= 1);
    assertTrue(gets <= elapsedMs / 200 + 2, "polled " + gets + " times in " + elapsedMs + " ms");
    assertTrue(controller.waits.contains("30"), "the agent asks for long polling");
  }

  @Test
  void anIdleLongPollingControllerIsNotHammered() throws Exception {
    start(true, 1, "secret-token");
    long t0 = System.nanoTime();
    Thread.sleep(1500);
    long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
    // each poll is held for ~1 s by the controller
    assertTrue(
        controller.gets.get() <= elapsedMs / 1000 + 2,
        "polled " + controller.gets.get() + " times");
    assertTrue(controller.heldPolls.get() >= 1);
  }

  @Test
  void oneFailingTaskDoesNotStopTheOthers() throws Exception {
    start(false, 0, "secret-token");
    executor.set("bad", ExecutorState.PREPARING, null, null); // unexpected -> error
    controller.add(TestTasks.runJob("bad"));
    controller.add(TestTasks.dbStatus("db1"));
    controller.add(TestTasks.runJob("good"));
    awaitUntil("good prepared", () -> controller.stagesFor("good-001").contains("prepared/false"));
    awaitUntil("db done", () -> !controller.isActive("db1"));
    awaitUntil(
        "bad task retried",
        () -> executor.calls.stream().filter("status:bad"::equals).count() >= 2);
    assertTrue(controller.isActive("bad-001"));
    assertEquals(List.of(), controller.stagesFor("bad-001"));
  }
}

package org.rap.agent.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A RUNJOB goes from prepare to execute without waiting for another poll, and from executing to
 * finalized when the executor reports the container's exit: one poll of a controller that answers
 * at once and is polled only every 60 s carries the job through.
 */
class TaskDispatcherFastPathTest {
  final Vertx vertx = Vertx.vertx();
  final FakeExecutor executor = new FakeExecutor();
  final FatalErrors fatal = new FatalErrors();
  FakeController controller;
  TaskApiClient api;
  TaskDispatcher dispatcher;

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  @Test
  void oneJobRunsThroughOnOnePoll() throws Exception {
    executor.watchable = true;
    startWith(List.of("job1"), 8);
    PollerVerticleTest.awaitUntil(
        "executing", () -> controller.stagesFor("job1-001").contains("executing/false"));
    PollerVerticleTest.awaitUntil(
        "watching the container", () -> executor.exits.containsKey("job1"));
    executor.finish("job1");
    PollerVerticleTest.awaitUntil("completion", () -> !controller.isActive("job1-001"));
    assertEquals(
        List.of(
            "preparing/false",
            "prepared/false",
            "executing/false",
            "finalizing/false",
            "finalized/true"),
        controller.stagesFor("job1-001"));
    assertEquals(1, controller.gets.get(), "no further poll was needed");
  }

  @Test
  void tasksHeldBackByTheBoundStartWhenASlotFrees() throws Exception {
    executor.watchable = true;
    startWith(List.of("job1", "job2", "job3"), 1);
    for (String job : List.of("job1", "job2", "job3")) {
      PollerVerticleTest.awaitUntil(
          job + " executing", () -> controller.stagesFor(job + "-001").contains("executing/false"));
    }
    for (String job : List.of("job1", "job2", "job3")) {
      PollerVerticleTest.awaitUntil("watching " + job, () -> executor.exits.containsKey(job));
      executor.finish(job);
      PollerVerticleTest.awaitUntil(job + " complete", () -> !controller.isActive(job + "-001"));
    }
    assertEquals(1, controller.gets.get(), "no further poll was needed");
  }

  @Test
  void withoutExitNotificationsTheNextPollFinishesTheJob() throws Exception {
    executor.watchable = false;
    controller = new FakeController(vertx, "test", "tok", false).start();
    controller.add(TestTasks.runJob("job1"));
    api =
        new TaskApiClient(
            vertx, controller.endpoint(), "test", "tok", Duration.ofSeconds(5), fatal);
    dispatcher =
        new TaskDispatcher(
            new JobTaskHandler(executor, RepoValidator.ACCEPT_ALL, api, () -> 999L), null, api, 8);
    PollerSettings fast =
        new PollerSettings(
            Duration.ofMillis(50),
            0,
            Duration.ofMillis(10),
            Duration.ofMillis(100),
            Duration.ofSeconds(2));
    vertx.deployVerticle(new PollerVerticle(api, dispatcher, fast, fatal)).await();
    PollerVerticleTest.awaitUntil(
        "executing", () -> controller.stagesFor("job1-001").contains("executing/false"));
    executor.finish("job1");
    PollerVerticleTest.awaitUntil("completion", () -> !controller.isActive("job1-001"));
    assertTrue(executor.calls.contains("awaitExit:job1"));
    assertEquals(1, executor.calls.stream().filter(c -> c.startsWith("finalize")).count());
  }

  private void startWith(List<String> jobs, int maxConcurrent) {
    controller = new FakeController(vertx, "test", "tok", false).start();
    jobs.forEach(j -> controller.add(TestTasks.runJob(j)));
    api =
        new TaskApiClient(
            vertx, controller.endpoint(), "test", "tok", Duration.ofSeconds(5), fatal);
    JobTaskHandler handler =
        new JobTaskHandler(executor, RepoValidator.ACCEPT_ALL, api, () -> 999L);
    dispatcher = new TaskDispatcher(handler, null, api, maxConcurrent);
    PollerSettings slow =
        new PollerSettings(
            Duration.ofSeconds(60),
            0,
            Duration.ofSeconds(60),
            Duration.ofSeconds(60),
            Duration.ofSeconds(2));
    vertx.deployVerticle(new PollerVerticle(api, dispatcher, slow, fatal)).await();
  }
}

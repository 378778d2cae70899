package org.rap.agent.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.rap.testing.Eventually;

/**
 * A RUNJOB goes from prepare to execute without waiting for another poll, and from executing to
 * finalized when the executor reports the container's exit: one poll of a controller that answers
 * at once and is polled only every 60 s carries the job through.
 */
@ExtendWith(VertxExtension.class)
class TaskDispatcherFastPathTest {
  Vertx vertx;
  final FakeExecutor executor = new FakeExecutor();
  final FatalErrors fatal = new FatalErrors();
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
  }

  @Test
  void oneJobRunsThroughOnOnePoll(VertxTestContext ctx) {
    executor.watchable = true;
    PollerVerticleTest.finish(
        ctx,
        startWith(List.of("job1"), 8)
            .compose(
                id ->
                    Eventually.until(
                        vertx,
                        "executing",
                        () -> controller.stagesFor("job1-001").contains("executing/false")))
            .compose(
                v ->
                    Eventually.until(
                        vertx, "watching the container", () -> executor.exits.containsKey("job1")))
            .compose(
                v -> {
                  executor.finish("job1");
                  return Eventually.until(
                      vertx, "completion", () -> !controller.isActive("job1-001"));
                })
            .map(
                v -> {
                  assertEquals(
                      List.of(
                          "preparing/false",
                          "prepared/false",
                          "executing/false",
                          "finalizing/false",
                          "finalized/true"),
                      controller.stagesFor("job1-001"));
                  assertEquals(1, controller.gets.get(), "no further poll was needed");
                  return v;
                }));
  }

  @Test
  void tasksHeldBackByTheBoundStartWhenASlotFrees(VertxTestContext ctx) {
    executor.watchable = true;
    List<String> jobs = List.of("job1", "job2", "job3");
    Future<?> steps = startWith(jobs, 1);
    for (String job : jobs) {
      steps =
          steps.compose(
              v ->
                  Eventually.until(
                      vertx,
                      job + " executing",
                      () -> controller.stagesFor(job + "-001").contains("executing/false")));
    }
    for (String job : jobs) {
      steps =
          steps
              .compose(
                  v ->
                      Eventually.until(
                          vertx, "watching " + job, () -> executor.exits.containsKey(job)))
              .compose(
                  v -> {
                    executor.finish(job);
                    return Eventually.until(
                        vertx, job + " complete", () -> !controller.isActive(job + "-001"));
                  });
    }
    PollerVerticleTest.finish(
        ctx,
        steps.map(
            v -> {
              assertEquals(1, controller.gets.get(), "no further poll was needed");
              return v;
            }));
  }

  @Test
  void withoutExitNotificationsTheNextPollFinishesTheJob(VertxTestContext ctx) {
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
    PollerVerticleTest.finish(
        ctx,
        vertx
            .deployVerticle(new PollerVerticle(api, dispatcher, fast, fatal))
            .compose(
                id ->
                    Eventually.until(
                        vertx,
                        "executing",
                        () -> controller.stagesFor("job1-001").contains("executing/false")))
            .compose(
                v -> {
                  executor.finish("job1");
                  return Eventually.until(
                      vertx, "completion", () -> !controller.isActive("job1-001"));
                })
            .map(
                v -> {
                  assertTrue(executor.calls.contains("awaitExit:job1"));
                  assertEquals(
                      1, executor.calls.stream().filter(c -> c.startsWith("finalize")).count());
                  return v;
                }));
  }

  private Future<String> startWith(List<String> jobs, int maxConcurrent) {
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
    return vertx.deployVerticle(new PollerVerticle(api, dispatcher, slow, fatal));
  }
}

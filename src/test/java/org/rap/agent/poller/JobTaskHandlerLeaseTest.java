package org.rap.agent.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.rap.common.model.ExecutorState;
import org.rap.common.tasks.AgentTask;
import org.rap.common.tasks.TaskUpdate;

/**
 * RUNJOB handling of a task held under a lease (docs/spec/task-api.md section 8.3): a run starts
 * and outputs are filed only under a lease the controller confirmed, either by the update sent for
 * that purpose or by one it accepted less than {@link LeaseRenewals#FRESH} ago; the controller
 * hears that the job is finalized while its run is being removed.
 */
class JobTaskHandlerLeaseTest {
  final FakeExecutor executor = new FakeExecutor();
  final AtomicLong clock = new AtomicLong(1_000_000_000L);

  /** Records every update; the answer to a "finalizing" update waits for {@link #answer}. */
  final List<TaskUpdate> updates = new CopyOnWriteArrayList<>();

  final Promise<Void> answer = Promise.promise();
  boolean holdFinalizing;

  final UpdateSink sink =
      update -> {
        updates.add(update);
        return holdFinalizing && update.stage().equals("finalizing")
            ? answer.future()
            : Future.succeededFuture();
      };

  final JobTaskHandler handler =
      new JobTaskHandler(executor, job -> Future.succeededFuture(), sink, () -> 1L, clock::get);

  final AgentTask task =
      AgentTask.fromJson(
          TestTasks.runJob("job1")
              .put("lease", new JsonObject().put("agent", "a").put("token", 7)));

  List<String> stages() {
    return updates.stream().map(u -> u.stage() + "/" + u.complete()).toList();
  }

  @Test
  void aRunStartsRightAfterTheAcceptedPreparedUpdate() {
    assertEquals(Handled.ADVANCED, handler.runJobStep(task).await());
    assertEquals(Handled.RUNNING, handler.runJobStep(task).await());
    // "prepared" was accepted a moment ago: the lease needs no second confirmation
    assertEquals(List.of("preparing/false", "prepared/false", "executing/false"), stages());
  }

  @Test
  void aRunStartsOnlyAfterAConfirmationOnceTheLastAnswerIsOld() {
    handler.runJobStep(task).await();
    clock.addAndGet(LeaseRenewals.FRESH.toNanos());
    handler.runJobStep(task).await();
    assertEquals(
        List.of("preparing/false", "prepared/false", "prepared/false", "executing/false"),
        stages());
  }

  @Test
  void anAgentRestartedWithAPreparedJobConfirmsFirst() {
    executor.set("job1", ExecutorState.PREPARED, FakeExecutor.PREPARED_TS, null);
    handler.runJobStep(task).await();
    assertEquals(List.of("prepared/false", "executing/false"), stages());
    assertEquals(List.of("status:job1", "execute:job1"), executor.calls);
  }

  @Test
  void outputsWaitForTheFinalizingAnswerUnlessTheLeaseIsFresh() {
    executor.finish("job1");
    holdFinalizing = true;
    // no accepted update yet: nothing is filed before the controller answers
    Future<Handled> first = handler.runJobStep(task);
    assertFalse(first.isComplete());
    assertEquals(List.of("status:job1"), executor.calls);
    answer.complete();
    assertEquals(Handled.COMPLETE, first.await());
    assertEquals(List.of("status:job1", "finalize:job1", "cleanup:job1"), executor.calls);
  }

  @Test
  void aFreshLeaseFinalizesWhileTheFinalizingUpdateIsOnItsWay() {
    executor.set("job1", ExecutorState.PREPARED, FakeExecutor.PREPARED_TS, null);
    handler.runJobStep(task).await(); // confirmed, then started: "executing" accepted
    executor.finish("job1");
    holdFinalizing = true;
    Future<Handled> done = handler.runJobStep(task);
    assertTrue(executor.calls.contains("finalize:job1"));
    assertFalse(done.isComplete(), "the handling still waits for the finalizing answer");
    answer.complete();
    assertEquals(Handled.COMPLETE, done.await());
    assertEquals(
        List.of("prepared/false", "executing/false", "finalizing/false", "finalized/true"),
        stages());
  }

  @Test
  void theCompletionIsReportedEvenWhenTheRunCannotBeRemoved() {
    executor.finish("job1");
    executor.failOn.put("cleanup", new IllegalStateException("docker rm failed"));
    assertEquals(Handled.COMPLETE, handler.runJobStep(task).await());
    assertEquals(List.of("finalizing/false", "finalized/true"), stages());
    assertEquals(ExecutorState.FINALIZED, executor.state("job1"));
  }
}

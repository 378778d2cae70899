package org.rap.agent.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.rap.common.model.ExecutorState;
import org.rap.common.tasks.AgentTask;
import org.rap.common.tasks.TaskUpdate;

/**
 * The executor works while "preparing" / "finalizing" are being sent, but the updates of a task
 * reach the controller one after the other, in order, and the handling fails when one of them could
 * not be sent.
 */
class JobTaskHandlerPipelineTest {
  final FakeExecutor executor = new FakeExecutor();
  final List<TaskUpdate> sent = new CopyOnWriteArrayList<>();
  final List<Promise<Void>> answers = new CopyOnWriteArrayList<>();
  final UpdateSink slowSink =
      update -> {
        sent.add(update);
        Promise<Void> p = Promise.promise();
        answers.add(p);
        return p.future();
      };
  final JobTaskHandler handler =
      new JobTaskHandler(executor, RepoValidator.ACCEPT_ALL, slowSink, () -> 1L);
  final AgentTask run = TestTasks.agentTask(TestTasks.runJob("job1"));

  List<String> stages() {
    return sent.stream().map(u -> u.stage() + "/" + u.complete()).toList();
  }

  @Test
  void prepareRunsWhilePreparingIsSentAndPreparedFollowsIt() {
    Future<Handled> f = handler.runJobStep(run);
    assertTrue(
        executor.calls.contains("prepare:job1"),
        "prepare does not wait for the controller's answer");
    assertEquals(
        List.of("preparing/false"), stages(), "prepared waits until preparing is answered");
    answers.get(0).complete();
    assertEquals(List.of("preparing/false", "prepared/false"), stages());
    assertFalse(f.isComplete(), "the handling waits for its last update");
    answers.get(1).complete();
    assertEquals(Handled.ADVANCED, f.await());
  }

  @Test
  void finalizeRunsWhileFinalizingIsSent() {
    executor.finish("job1");
    Future<Handled> f = handler.runJobStep(run);
    assertTrue(executor.calls.contains("finalize:job1"));
    assertEquals(List.of("finalizing/false"), stages());
    answers.get(0).complete();
    answers.get(1).complete();
    assertEquals(Handled.COMPLETE, f.await());
    assertEquals(List.of("finalizing/false", "finalized/true"), stages());
  }

  @Test
  void aFailedPreparingFailsTheHandlingAfterTheNextUpdateWasSent() {
    Future<Handled> f = handler.runJobStep(run);
    answers.get(0).fail(new TaskApiException(500, "HTTP 500", null, null));
    answers.get(1).complete();
    assertThrows(TaskApiException.class, f::await);
    assertEquals(
        ExecutorState.PREPARED, executor.state("job1"), "state is re-derived on the next handling");
  }
}

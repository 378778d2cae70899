package org.rap.agent.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.TaskType;
import org.rap.common.tasks.AgentTask;
import org.rap.common.tasks.TaskUpdate;
import org.rap.testing.Eventually;

/**
 * An agent that loses a task it holds under a lease (docs/spec/task-api.md section 8.3) stops it:
 * its run and volume go, and nothing more is reported or filed.
 */
class TaskDispatcherLeaseTest {
  private final Vertx vertx = Vertx.vertx();
  private final FakeExecutor executor = new FakeExecutor();
  private final List<TaskUpdate> posted = new CopyOnWriteArrayList<>();
  private final Set<String> refused = ConcurrentHashMap.newKeySet();
  private final UpdateSink sink =
      u -> {
        if (refused.contains(u.taskId())) {
          return Future.failedFuture(new TaskApiException(409, "lease lost", null, null));
        }
        posted.add(u);
        return Future.succeededFuture();
      };
  private final TaskDispatcher dispatcher =
      new TaskDispatcher(
          new JobTaskHandler(executor, job -> Future.succeededFuture(), sink, () -> 1L),
          null,
          sink,
          4);

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private static AgentTask task(String id, TaskType type, String job, boolean leased) {
    return new AgentTask(
        id,
        "test",
        type,
        new JsonObject().put("id", job).put("task_id", id).put("workspace", "ws"),
        new JsonObject(),
        1,
        leased ? new AgentTask.Lease("a", 7) : null);
  }

  private void dispatch(List<AgentTask> tasks) {
    vertx.runOnContext(v -> dispatcher.dispatch(tasks));
  }

  private void await(String what, BooleanSupplier done) {
    Eventually.until(vertx, what, done).await();
  }

  @Test
  void aLeasedTaskNoLongerListedIsStoppedAndRemoved() {
    executor.set("job1", ExecutorState.EXECUTING, FakeExecutor.STARTED_TS, null);
    dispatch(List.of(task("job1-001", TaskType.RUNJOB, "job1", true)));
    await("reported", () -> posted.size() == 1 && dispatcher.inFlightCount() == 0);
    dispatch(List.of());
    await("removed", () -> executor.calls.contains("cleanup:job1"));
    await("settled", () -> dispatcher.inFlightCount() == 0);
    assertEquals(1, posted.size(), "nothing more reported: " + posted);
    assertFalse(
        executor.calls.stream().anyMatch(c -> c.startsWith("finalize")), executor.calls.toString());
  }

  @Test
  void aRefusedUpdateStopsTheTaskWithoutFinalizing() {
    executor.set("job1", ExecutorState.EXECUTED, FakeExecutor.FINISHED_TS, null);
    refused.add("job1-001");
    dispatch(List.of(task("job1-001", TaskType.RUNJOB, "job1", true)));
    await("removed", () -> executor.calls.contains("cleanup:job1"));
    await("settled", () -> dispatcher.inFlightCount() == 0);
    assertTrue(posted.isEmpty(), posted.toString());
    assertFalse(
        executor.calls.stream().anyMatch(c -> c.startsWith("finalize")), executor.calls.toString());
  }

  @Test
  void aCancelledOrUnleasedTaskIsNotLost() {
    executor.set("job1", ExecutorState.EXECUTING, FakeExecutor.STARTED_TS, null);
    executor.set("job2", ExecutorState.EXECUTING, FakeExecutor.STARTED_TS, null);
    dispatch(
        List.of(
            task("job1-001", TaskType.RUNJOB, "job1", true),
            task("job2-001", TaskType.RUNJOB, "job2", false)));
    await("reported", () -> posted.size() == 2 && dispatcher.inFlightCount() == 0);
    // job1 is cancelled (its CANCELJOB replaces it), job2's task went without a lease
    dispatch(List.of(task("job1-001-cancel", TaskType.CANCELJOB, "job1", true)));
    await("cancelled", () -> executor.calls.contains("cleanup:job1"));
    await("settled", () -> dispatcher.inFlightCount() == 0);
    assertTrue(
        executor.calls.stream().anyMatch(c -> c.startsWith("finalize")),
        "the cancellation finalizes: " + executor.calls);
    assertFalse(executor.calls.contains("cleanup:job2"), executor.calls.toString());
  }
}

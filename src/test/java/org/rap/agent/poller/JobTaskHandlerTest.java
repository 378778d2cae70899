package org.rap.agent.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.rap.agent.executor.ExecutorException;
import org.rap.common.model.ExecutorState;
import org.rap.common.tasks.AgentTask;
import org.rap.common.tasks.TaskUpdate;

/**
 * Exact update sequences of RUNJOB and CANCELJOB handling (docs/spec/task-api.md 5.1, 5.2, 5.4).
 */
class JobTaskHandlerTest {
  static final long NOW = 999L;
  final FakeExecutor executor = new FakeExecutor();
  final RecordingSink sink = new RecordingSink();
  final AtomicInteger validations = new AtomicInteger();
  RepoValidator validator =
      job -> {
        validations.incrementAndGet();
        return Future.succeededFuture();
      };

  JobTaskHandler handler() {
    return new JobTaskHandler(executor, j -> validator.validate(j), sink, () -> NOW);
  }

  AgentTask run = TestTasks.agentTask(TestTasks.runJob("job1"));
  AgentTask cancel = TestTasks.agentTask(TestTasks.cancelJob("job1"));

  boolean runOnce() {
    return handler().runJob(run).await();
  }

  @Test
  void unknownValidatesThenPreparingThenPrepared() {
    assertFalse(runOnce());
    assertEquals(List.of("preparing/false", "prepared/false"), sink.stages());
    assertEquals(NOW, sink.updates.get(0).timestampNs());
    assertEquals(FakeExecutor.PREPARED_TS, sink.updates.get(1).timestampNs());
    assertEquals(1, validations.get());
    assertEquals(List.of("status:job1", "prepare:job1"), executor.calls);
    assertEquals("job1-001", sink.updates.get(0).taskId());
  }

  @Test
  void preparedExecutes() {
    executor.set("job1", ExecutorState.PREPARED, FakeExecutor.PREPARED_TS, null);
    assertFalse(runOnce());
    assertEquals(List.of("executing/false"), sink.stages());
    assertEquals(FakeExecutor.STARTED_TS, sink.updates.get(0).timestampNs());
    assertEquals(List.of("status:job1", "execute:job1"), executor.calls);
  }

  @Test
  void executingReportsEveryRoundWithoutTransitions() {
    executor.set("job1", ExecutorState.EXECUTING, FakeExecutor.STARTED_TS, null);
    runOnce();
    runOnce();
    assertEquals(List.of("executing/false", "executing/false"), sink.stages());
    assertEquals(FakeExecutor.STARTED_TS, sink.updates.get(1).timestampNs());
    assertEquals(List.of("status:job1", "status:job1"), executor.calls);
  }

  @Test
  void executedFinalizesCleansUpAndCompletes() {
    executor.finish("job1");
    assertTrue(runOnce());
    assertEquals(List.of("finalizing/false", "finalized/true"), sink.stages());
    assertEquals(NOW, sink.updates.get(0).timestampNs());
    assertEquals(FakeExecutor.FINAL_TS, sink.updates.get(1).timestampNs());
    JsonObject results = sink.updates.get(1).results();
    assertEquals("0", results.getString("exit_code"));
    assertEquals(12.5, results.getJsonObject("job_metrics").getDouble("cpu_peak"));
    assertEquals(List.of("status:job1", "finalize:job1", "cleanup:job1"), executor.calls);
  }

  @Test
  void fullLifecycleOneTransitionPerRound() {
    runOnce(); // unknown -> prepared
    runOnce(); // prepared -> executing
    runOnce(); // executing
    executor.finish("job1");
    assertTrue(runOnce()); // executed -> finalized
    assertEquals(
        List.of(
            "preparing/false",
            "prepared/false",
            "executing/false",
            "executing/false",
            "finalizing/false",
            "finalized/true"),
        sink.stages());
  }

  @Test
  void crashRecoveryReportsStoredFinalState() {
    JsonObject stored = new JsonObject().put("exit_code", "0").put("timestamp_ns", 444);
    executor.set("job1", ExecutorState.FINALIZED, 444L, stored);
    assertTrue(runOnce());
    assertEquals(List.of("finalized/true"), sink.stages());
    assertEquals(stored, sink.updates.get(0).results());
    assertEquals(444L, sink.updates.get(0).timestampNs());
    // the agent may have died between finalize and cleanup: cleanup (idempotent) runs again
    assertEquals(List.of("status:job1", "cleanup:job1"), executor.calls);

    sink.updates.clear();
    executor.set(
        "job1",
        ExecutorState.ERROR,
        445L,
        new JsonObject().put("error", new JsonObject().put("message", "m")));
    executor.failOn.put("cleanup", new IllegalStateException("docker down")); // reported anyway
    assertTrue(runOnce());
    assertEquals(List.of("error/true"), sink.stages());
    assertEquals(445L, sink.updates.get(0).timestampNs());
  }

  @Test
  void unexpectedStateIsAnErrorWithoutUpdates() {
    executor.set("job1", ExecutorState.PREPARING, null, null);
    assertThrows(IllegalStateException.class, this::runOnce);
    assertEquals(List.of(), sink.stages());
  }

  @Test
  void rejectedRepositoryIsPermanent() {
    validator =
        job ->
            Future.failedFuture(
                ExecutorException.permanent(
                    "Repository https://evil.example/x does not start with https://github.com"));
    assertTrue(runOnce());
    assertEquals(List.of("error/true"), sink.stages());
    TaskUpdate u = sink.updates.get(0);
    assertEquals(NOW, u.timestampNs());
    JsonObject error = u.results().getJsonObject("error");
    assertEquals("ExecutorException", error.getString("exception"));
    assertTrue(error.getString("message").contains("does not start with https://github.com"));
    assertTrue(error.getString("traceback").contains("ExecutorException"));
    assertEquals(List.of("status:job1", "finalize-error:job1", "cleanup:job1"), executor.calls);
    assertEquals(ExecutorState.ERROR, executor.state("job1"));
  }

  @Test
  void transientErrorPostsNothingMoreAndRetriesNextRound() {
    executor.failOn.put("prepare", ExecutorException.transientError("docker busy", null));
    assertThrows(ExecutorException.class, this::runOnce);
    assertEquals(List.of("preparing/false"), sink.stages());
    assertFalse(executor.calls.stream().anyMatch(c -> c.startsWith("finalize")));
    // next round succeeds
    runOnce();
    assertEquals(List.of("preparing/false", "preparing/false", "prepared/false"), sink.stages());
  }

  @Test
  void plainExceptionIsTransient() {
    executor.set("job1", ExecutorState.PREPARED, 1L, null);
    executor.failOn.put("execute", new RuntimeException("boom"));
    assertThrows(RuntimeException.class, this::runOnce);
    assertEquals(List.of(), sink.stages());
  }

  @Test
  void hardFailureTextHookStillWorks() {
    executor.set("job1", ExecutorState.PREPARED, 1L, null);
    executor.failOn.put("execute", new RuntimeException("oops test_hard_failure here"));
    assertTrue(runOnce());
    assertEquals(List.of("error/true"), sink.stages());
    assertEquals(
        "oops test_hard_failure here",
        sink.updates.get(0).results().getJsonObject("error").getString("message"));
  }

  @Test
  void postingFailureIsNeverAHardFailure() {
    sink.failNext = new TaskApiException(500, "HTTP 500 test_hard_failure", null, null);
    assertThrows(TaskApiException.class, this::runOnce);
    assertFalse(executor.calls.stream().anyMatch(c -> c.startsWith("finalize")));
  }

  @Test
  void resultsAreRedactedBeforeLeavingTheAgent() {
    executor.leakFileNames = true;
    executor.finish("job1");
    runOnce();
    JsonObject results = sink.updates.get(1).results();
    for (String k :
        List.of("outputs", "unmatched_outputs", "unmatched_patterns", "level4_excluded_files")) {
      assertFalse(results.containsKey(k), k);
    }
    assertEquals("", results.getString("status_message"));
    assertEquals("", results.getString("hint"));
    assertTrue(results.getBoolean("has_unmatched_patterns"));
    assertTrue(results.getBoolean("has_level4_excluded_files"));
    assertFalse(results.encode().contains("output/"), results.encode());
  }

  // ---- CANCELJOB (docs/spec/agent-executor.md section 8) ----

  boolean cancelOnce() {
    return handler().cancelJob(cancel).await();
  }

  @Test
  void cancelFromUnknown() {
    assertTrue(cancelOnce());
    assertEquals(List.of("unknown/false", "finalized/true"), sink.stages());
    assertEquals(
        List.of("status-cancelled:job1", "finalize-cancelled:job1", "cleanup:job1"),
        executor.calls);
    assertEquals("job1-001-cancel", sink.updates.get(1).taskId());
    assertEquals(0, validations.get());
  }

  @Test
  void cancelFromPreparedExecutedAndError() {
    for (ExecutorState s :
        List.of(ExecutorState.PREPARED, ExecutorState.EXECUTED, ExecutorState.ERROR)) {
      sink.updates.clear();
      executor.calls.clear();
      executor.set(
          "job1", s, 7L, s == ExecutorState.ERROR ? new JsonObject().put("error", "x") : null);
      assertTrue(cancelOnce());
      assertEquals(List.of(s.value() + "/false", "finalized/true"), sink.stages(), s.value());
      assertEquals(7L, sink.updates.get(0).timestampNs());
      assertEquals(
          List.of("status-cancelled:job1", "finalize-cancelled:job1", "cleanup:job1"),
          executor.calls);
    }
  }

  @Test
  void cancelWhileExecutingTerminatesFirst() {
    executor.set("job1", ExecutorState.EXECUTING, FakeExecutor.STARTED_TS, null);
    assertTrue(cancelOnce());
    assertEquals(List.of("executing/false", "executed/false", "finalized/true"), sink.stages());
    assertEquals(FakeExecutor.KILLED_TS, sink.updates.get(1).timestampNs());
    assertEquals(FakeExecutor.FINAL_TS, sink.updates.get(2).timestampNs());
    assertEquals(
        List.of(
            "status-cancelled:job1", "terminate:job1", "finalize-cancelled:job1", "cleanup:job1"),
        executor.calls);
    assertTrue(sink.updates.get(2).results().getBoolean("cancelled"));
  }

  @Test
  void cancelWhenFinalizedOnlyCleansUp() {
    executor.set("job1", ExecutorState.FINALIZED, 444L, new JsonObject().put("exit_code", "0"));
    assertTrue(cancelOnce());
    assertEquals(List.of("finalized/false", "finalized/true"), sink.stages());
    assertEquals(List.of("status-cancelled:job1", "cleanup:job1"), executor.calls);
  }

  @Test
  void definitionWithoutJobIdIsPermanent() {
    AgentTask bad =
        TestTasks.agentTask(TestTasks.task("t-001", "runjob", new JsonObject().put("action", "a")));
    assertTrue(handler().runJob(bad).await());
    assertEquals(List.of("error/true"), sink.stages());
    assertTrue(
        sink.updates
            .get(0)
            .results()
            .getJsonObject("error")
            .getString("message")
            .contains("bad job id"));
    assertEquals(List.of(), executor.calls);
  }

  @Test
  void permanentClassification() {
    assertTrue(JobTaskHandler.isPermanent(ExecutorException.permanent("x")));
    assertTrue(
        JobTaskHandler.isPermanent(new RuntimeException("wrap", ExecutorException.permanent("x"))));
    assertFalse(JobTaskHandler.isPermanent(ExecutorException.transientError("x", null)));
    assertTrue(JobTaskHandler.isPermanent(new IllegalStateException("a test_hard_failure b")));
    assertFalse(JobTaskHandler.isPermanent(new IllegalStateException("other")));
  }

  @Test
  void guardHandlesNullResults() {
    assertNull(ResultsGuard.redact(null));
    JsonObject clean =
        new JsonObject().put("exit_code", "0").put("status_message", "Completed successfully");
    assertEquals(clean, ResultsGuard.redact(clean));
    assertInstanceOf(
        JsonObject.class, ResultsGuard.redact(new JsonObject().put("outputs", new JsonObject())));
  }
}

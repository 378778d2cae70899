package org.rap.agent.poller;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.rap.agent.executor.JobLifecycle;
import org.rap.agent.executor.JobStatus;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.Privacy;

/**
 * An in-memory executor state machine following docs/spec/agent-executor.md section 2/6/8
 * preconditions. Timestamps: prepared 111, executing 222, executed 333, finalized 444, after
 * terminate 555.
 */
final class FakeExecutor implements JobLifecycle {
  static final long PREPARED_TS = 111,
      STARTED_TS = 222,
      FINISHED_TS = 333,
      FINAL_TS = 444,
      KILLED_TS = 555;

  final Map<String, JobStatus> states = new ConcurrentHashMap<>();
  final List<String> calls = new CopyOnWriteArrayList<>();
  final Map<String, RuntimeException> failOn = new ConcurrentHashMap<>();
  volatile Promise<Void> prepareGate;

  /** Results finalize stores; leaks file names on purpose so redaction can be checked. */
  volatile boolean leakFileNames;

  void set(String jobId, ExecutorState state, Long ts, JsonObject results) {
    states.put(jobId, new JobStatus(state, null, ts, results));
  }

  ExecutorState state(String jobId) {
    return get(jobId).state();
  }

  /** Whether {@link #awaitExit} is supported (else it fails, as the interface's default). */
  volatile boolean watchable;

  final Map<String, Promise<Void>> exits = new ConcurrentHashMap<>();

  /** The container exits. */
  void finish(String jobId) {
    set(jobId, ExecutorState.EXECUTED, FINISHED_TS, null);
    Promise<Void> exit = exits.remove(jobId);
    if (exit != null) {
      exit.tryComplete();
    }
  }

  @Override
  public Future<Void> awaitExit(JobDefinition job) {
    calls.add("awaitExit:" + job.id());
    if (!watchable) {
      return JobLifecycle.super.awaitExit(job);
    }
    if (get(job.id()).state() != ExecutorState.EXECUTING) {
      return Future.succeededFuture();
    }
    return exits.computeIfAbsent(job.id(), k -> Promise.promise()).future();
  }

  private JobStatus get(String jobId) {
    return states.getOrDefault(jobId, JobStatus.of(ExecutorState.UNKNOWN, null));
  }

  private Future<JobStatus> call(String op, JobDefinition job, Supplier<JobStatus> body) {
    calls.add(op + ":" + job.id());
    RuntimeException e = failOn.remove(op);
    if (e != null) {
      return Future.failedFuture(e);
    }
    return Future.succeededFuture(body.get());
  }

  @Override
  public Future<JobStatus> status(JobDefinition job, boolean cancelled) {
    return call(cancelled ? "status-cancelled" : "status", job, () -> get(job.id()));
  }

  @Override
  public Future<JobStatus> prepare(JobDefinition job) {
    Promise<Void> gate = prepareGate;
    Future<Void> wait = gate == null ? Future.succeededFuture() : gate.future();
    return wait.compose(
        v ->
            call(
                "prepare",
                job,
                () -> {
                  if (get(job.id()).state() == ExecutorState.UNKNOWN) {
                    set(job.id(), ExecutorState.PREPARED, PREPARED_TS, null);
                  }
                  return get(job.id());
                }));
  }

  @Override
  public Future<JobStatus> execute(JobDefinition job) {
    return call(
        "execute",
        job,
        () -> {
          if (get(job.id()).state() == ExecutorState.PREPARED) {
            set(job.id(), ExecutorState.EXECUTING, STARTED_TS, null);
          }
          return get(job.id());
        });
  }

  @Override
  public Future<JobStatus> finalizeJob(JobDefinition job, boolean cancelled, JsonObject error) {
    return call(
        "finalize" + (cancelled ? "-cancelled" : "") + (error != null ? "-error" : ""),
        job,
        () -> {
          JobStatus s = get(job.id());
          if (s.state() == ExecutorState.FINALIZED || s.state() == ExecutorState.ERROR) {
            return s;
          }
          JsonObject results =
              new JsonObject()
                  .put("exit_code", cancelled ? "137" : "0")
                  .put(
                      "status_message",
                      cancelled ? "Job cancelled by system" : "Completed successfully")
                  .put("hint", "")
                  .put("cancelled", cancelled)
                  .put("error", error == null ? (Object) false : error)
                  .put("timestamp_ns", FINAL_TS)
                  .put("job_metrics", new JsonObject().put("cpu_peak", 12.5));
          if (leakFileNames) {
            results
                .put(
                    "outputs",
                    new JsonObject().put("output/secret_patient_list.csv", "highly_sensitive"))
                .put("unmatched_outputs", new JsonArray().add("output/other.csv"))
                .put("unmatched_patterns", new JsonArray().add("output/x_*.csv"))
                .put("level4_excluded_files", new JsonObject().put("output/big.csv", "too big"))
                .put("status_message", "No outputs found matching patterns:\n - output/x_*.csv");
          }
          set(
              job.id(),
              error != null ? ExecutorState.ERROR : ExecutorState.FINALIZED,
              FINAL_TS,
              results);
          return get(job.id());
        });
  }

  @Override
  public Future<JobStatus> terminate(JobDefinition job) {
    return call(
        "terminate",
        job,
        () -> {
          if (get(job.id()).state() == ExecutorState.EXECUTING) {
            set(job.id(), ExecutorState.EXECUTED, KILLED_TS, null);
          }
          return get(job.id());
        });
  }

  @Override
  public Future<Void> cleanup(JobDefinition job) {
    return call("cleanup", job, () -> null).mapEmpty();
  }

  @Override
  public Future<List<String>> deleteFiles(String workspace, Privacy privacy, List<String> files) {
    return Future.succeededFuture(List.of());
  }
}

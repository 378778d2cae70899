package org.rap.agent.poller;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.agent.executor.ExecutorException;
import org.rap.agent.executor.JobLifecycle;
import org.rap.agent.executor.JobStatus;
import org.rap.agent.executor.RunLabels;
import org.rap.agent.executor.StaleAttempt;
import org.rap.common.async.KeyedSequencer;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.TaskType;
import org.rap.common.tasks.AgentTask;
import org.rap.common.tasks.TaskUpdate;
import org.rap.common.telemetry.LogTags;

/**
 * RUNJOB and CANCELJOB handling (docs/spec/agent-executor.md sections 3, 8 and 9;
 * docs/spec/task-api.md sections 5.1, 5.2 and 5.4). A RUNJOB handling advances at most one executor
 * transition and always posts at least one update. Futures complete with {@code true} when the task
 * was reported complete; {@link #runJobStep} also says whether the task can advance again at once
 * ({@link Handled}), so the dispatcher re-handles it without waiting for the next poll.
 *
 * <p>Error classification: an {@link ExecutorException} with {@code permanent=true}, or any error
 * whose text contains {@code test_hard_failure} (the reference's test hook), finalizes the job with
 * the error and reports stage {@code error}, complete. Any other failure posts nothing: the task
 * stays active and is handled again on a later round.
 */
public final class JobTaskHandler {
  private static final Logger LOG = Logger.getLogger(JobTaskHandler.class.getName());
  static final String HARD_FAILURE_MARKER = "test_hard_failure";
  private static final int MAX_TRACEBACK = 8000;

  private final JobLifecycle executor;
  private final RepoValidator repoValidator;
  private final UpdateSink sink;
  private final LongSupplier nowNs;

  /** Per task: the last update queued (updates of one task are sent one after the other). */
  private final KeyedSequencer sending = new KeyedSequencer();

  /** Per task: when the controller last accepted an update (and so renewed its lease). */
  private final LeaseRenewals leases;

  public JobTaskHandler(
      JobLifecycle executor, RepoValidator repoValidator, UpdateSink sink, LongSupplier nowNs) {
    this(executor, repoValidator, sink, nowNs, System::nanoTime);
  }

  /** With the monotonic clock that dates lease renewals ({@code nanoTime}). */
  JobTaskHandler(
      JobLifecycle executor,
      RepoValidator repoValidator,
      UpdateSink sink,
      LongSupplier nowNs,
      LongSupplier nanoTime) {
    this.executor = executor;
    this.repoValidator = repoValidator;
    this.sink = sink;
    this.nowNs = nowNs;
    this.leases = new LeaseRenewals(nanoTime);
  }

  public Future<Boolean> runJob(AgentTask task) {
    return runJobStep(task).map(Handled::complete);
  }

  /**
   * One RUNJOB handling (at most one executor transition), saying whether the task can advance
   * again at once, waits for its container, or is done.
   */
  public Future<Handled> runJobStep(AgentTask task) {
    return guarded(
        task,
        false,
        () -> {
          JobDefinition job = definition(task);
          return executor.status(job, false).compose(s -> runJobFrom(task, job, s));
        });
  }

  public Future<Boolean> cancelJob(AgentTask task) {
    return guarded(
            task,
            true,
            () -> {
              JobDefinition job = definition(task);
              return executor
                  .status(job, true)
                  .compose(s -> cancelJobFrom(task, job, s))
                  .map(Handled.COMPLETE);
            })
        .map(Handled::complete);
  }

  /**
   * Completes when the task's container is no longer running (see {@link JobLifecycle#awaitExit}).
   */
  public Future<Void> awaitExit(AgentTask task) {
    JobDefinition job;
    try {
      job = definition(task);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return executor.awaitExit(job);
  }

  /** The job definition; a definition without a job id can never be handled (permanent). */
  private static JobDefinition definition(AgentTask task) {
    JobDefinition job;
    try {
      job = JobDefinition.fromJson(task.definition());
    } catch (RuntimeException e) {
      throw new ExecutorException(
          "Invalid job definition in task " + task.id() + ": " + e, true, e);
    }
    if (job.id() == null || job.id().isBlank() || !job.id().matches("[A-Za-z0-9_-]+")) {
      throw ExecutorException.permanent(
          "Invalid job definition in task " + task.id() + ": bad job id");
    }
    return job;
  }

  private Future<Handled> runJobFrom(AgentTask task, JobDefinition job, JobStatus s) {
    switch (s.state()) {
      case ERROR:
      case FINALIZED:
        // crash recovery: already done, report again with the stored results; an agent killed
        // between finalize and cleanup left the container and volume: remove them first
        return cleanupQuietly(job)
            .compose(v -> post(task, s.state(), s.results(), true, s.timestampNs()))
            .map(Handled.COMPLETE);
      case EXECUTING:
        return post(task, ExecutorState.EXECUTING, null, false, s.timestampNs())
            .map(Handled.RUNNING);
      case UNKNOWN:
        // "preparing" is sent while the executor prepares (updates of a task stay in order); the
        // handling fails if it could not be sent
        return repoValidator
            .validate(job)
            .compose(
                v -> {
                  Future<Void> preparing =
                      post(task, ExecutorState.PREPARING, null, false, nowNs.getAsLong());
                  return executor
                      .prepare(job)
                      .compose(n -> postNew(task, job, s.state(), n))
                      .compose(h -> preparing.map(h));
                });
      case PREPARED:
        {
          // under a lease, a container starts only once the controller confirmed the lease: an
          // agent back from a partition must not start an attempt another agent has taken over
          // (the "prepared" update that normally comes just before is that confirmation)
          Future<Void> confirmed =
              task.lease() == null || leases.fresh(task.id())
                  ? Future.succeededFuture()
                  : post(task, ExecutorState.PREPARED, null, false, s.timestampNs());
          return confirmed
              .compose(c -> executor.execute(job))
              .compose(n -> postNew(task, job, s.state(), n));
        }
      case EXECUTED:
        {
          boolean fresh = leases.fresh(task.id());
          Future<Void> finalizing =
              post(task, ExecutorState.FINALIZING, null, false, nowNs.getAsLong());
          // a task held under a lease files outputs only once the controller has confirmed the
          // lease (renewed by that update, or by one answered a moment ago), and fenced by its
          // token (task-api.md section 8.3)
          Future<Void> confirmed =
              task.lease() == null || fresh ? Future.succeededFuture() : finalizing;
          return confirmed
              .compose(c -> executor.finalizeJob(job, false, null, fenceToken(task)))
              .compose(
                  n -> {
                    logChange(job, s.state(), n.state());
                    // the results are safe on disk: the controller hears of them while the run
                    // and the volume are removed (a removal that fails is only logged)
                    Future<Void> reported =
                        post(task, n.state(), n.results(), true, n.timestampNs());
                    Future<Void> removed = cleanupQuietly(job);
                    return Future.join(reported, removed).transform(ar -> reported);
                  })
              .compose(v -> finalizing)
              .map(Handled.COMPLETE);
        }
      default:
        return Future.failedFuture(
            new IllegalStateException(
                "Unexpected executor state " + s.state() + " for job " + job.id()));
    }
  }

  /** Idempotent cleanup whose failure is only logged (the results are already safe on disk). */
  private Future<Void> cleanupQuietly(JobDefinition job) {
    return executor
        .cleanup(job)
        .otherwise(
            e -> {
              LOG.warning("Cleanup of finished job " + job.id() + " failed: " + e.getMessage());
              return null;
            });
  }

  private Future<Handled> postNew(
      AgentTask task, JobDefinition job, ExecutorState previous, JobStatus n) {
    logChange(job, previous, n.state());
    boolean done = n.state() == ExecutorState.FINALIZED || n.state() == ExecutorState.ERROR;
    Handled next;
    if (done) {
      next = Handled.COMPLETE;
    } else if (n.state() == ExecutorState.EXECUTING) {
      next = Handled.RUNNING;
    } else {
      next = n.state() == previous ? Handled.UNCHANGED : Handled.ADVANCED;
    }
    return post(task, n.state(), done ? n.results() : null, done, n.timestampNs()).map(next);
  }

  private static void logChange(JobDefinition job, ExecutorState previous, ExecutorState next) {
    if (previous != next) {
      LogTags.task(job, String.valueOf(next))
          .log(
              LOG,
              Level.INFO,
              "State change for job " + job.id() + ": " + previous + " -> " + next);
    }
  }

  private Future<Boolean> cancelJobFrom(AgentTask task, JobDefinition job, JobStatus s0) {
    Future<JobStatus> finalStatus =
        post(task, s0.state(), null, false, s0.timestampNs())
            .compose(
                v -> {
                  if (s0.state() == ExecutorState.FINALIZED) {
                    return Future.succeededFuture(s0);
                  }
                  if (s0.state() == ExecutorState.EXECUTING) {
                    return executor
                        .terminate(job)
                        .compose(s1 -> post(task, s1.state(), null, false, s1.timestampNs()))
                        .compose(v2 -> executor.finalizeJob(job, true, null, fenceToken(task)));
                  }
                  return executor.finalizeJob(job, true, null, fenceToken(task));
                });
    return finalStatus
        .compose(sf -> executor.cleanup(job).map(sf))
        .compose(
            sf ->
                post(
                    task,
                    ExecutorState.FINALIZED,
                    sf.results(),
                    true,
                    sf.timestampNs() != null ? sf.timestampNs() : nowNs.getAsLong()))
        .map(true);
  }

  /**
   * Sends an update after the ones already queued for the task (each is sent when the previous one
   * has been answered, whatever the answer), so a caller may go on working while it is sent.
   */
  private Future<Void> post(
      AgentTask task, ExecutorState stage, JsonObject results, boolean complete, Long ts) {
    JsonObject safe = results == null ? new JsonObject() : ResultsGuard.redact(results);
    TaskUpdate update = new TaskUpdate(task.id(), stage.value(), safe, complete, ts);
    return sending
        .run(task.id(), () -> sink.post(update))
        .andThen(ar -> leases.answered(task.id(), ar.succeeded() && !complete));
  }

  private Future<Handled> guarded(
      AgentTask task, boolean cancelling, Supplier<Future<Handled>> body) {
    Future<Handled> f;
    try {
      f = body.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    return f.recover(
        e -> {
          if (isLeaseLost(e)) {
            return abandon(task, e.getMessage()).map(Handled.COMPLETE);
          }
          if (e instanceof TaskApiException || !isPermanent(e)) {
            return Future.failedFuture(e);
          }
          return hardFailure(task, cancelling, e);
        });
  }

  /** The lease token a task is held under, or null (no lease). */
  private static Long fenceToken(AgentTask task) {
    return task.lease() == null ? null : task.lease().token();
  }

  /**
   * The task is no longer this agent's: the controller refused an update (409) or a later attempt
   * of the job exists.
   */
  static boolean isLeaseLost(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof TaskApiException api && api.leaseLost()) {
        return true;
      }
      if (t instanceof StaleAttempt) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /**
   * Stops a task this agent lost (docs/spec/task-api.md section 8.3): a RUNJOB's run and volume are
   * removed and nothing is written or reported. Other tasks just stop.
   */
  public Future<Void> abandon(AgentTask task, String why) {
    LOG.warning("Lost task " + task.id() + ", stopping it and writing nothing: " + why);
    if (task.type() != TaskType.RUNJOB) {
      return Future.succeededFuture();
    }
    JobDefinition job;
    try {
      job = definition(task);
    } catch (RuntimeException e) {
      return Future.succeededFuture();
    }
    return executor
        .abandon(job)
        .recover(
            e -> {
              LOG.warning("Could not remove the run of lost task " + task.id() + ": " + e);
              return Future.failedFuture(e);
            });
  }

  /**
   * After a restart: removes the runs this agent started for attempts it no longer holds ({@code
   * held}: the ids of the tasks the controller lists to it, {@code heldJobs} their jobs).
   */
  public Future<Void> removeLostRuns(String agentId, Set<String> held, Set<String> heldJobs) {
    return executor
        .ownedRuns(agentId)
        .compose(
            runs -> {
              List<Future<Void>> removals = new ArrayList<>();
              for (RunLabels.OwnedRun run : runs) {
                // a job with a listed task: that attempt's own handling removes earlier runs
                if (!run.taskId().isEmpty()
                    && !held.contains(run.taskId())
                    && !heldJobs.contains(run.jobId())) {
                  JobDefinition job =
                      JobDefinition.fromJson(
                          new JsonObject().put("id", run.jobId()).put("task_id", run.taskId()));
                  LOG.warning(
                      "Removing the run of job "
                          + run.jobId()
                          + ": this agent no longer holds its task "
                          + run.taskId());
                  removals.add(executor.abandon(job));
                }
              }
              return Future.join(removals).mapEmpty();
            });
  }

  /** Permanent: the executor said so, or the reference's test hook text is present. */
  static boolean isPermanent(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ExecutorException x && x.permanent()) {
        return true;
      }
      if (String.valueOf(t.getMessage()).contains(HARD_FAILURE_MARKER)) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  private Future<Handled> hardFailure(AgentTask task, boolean cancelling, Throwable e) {
    LOG.warning(
        "Permanent error in task " + task.id() + ", finalizing with error: " + e.getMessage());
    JsonObject error =
        new JsonObject()
            .put("exception", e.getClass().getSimpleName())
            .put("message", String.valueOf(e.getMessage()))
            .put("traceback", traceback(e));
    JobDefinition job;
    try {
      job = definition(task);
    } catch (RuntimeException bad) {
      return postError(task, new JsonObject().put("error", error));
    }
    return executor
        .finalizeJob(job, cancelling, error, fenceToken(task))
        .map(s -> s.results() == null ? new JsonObject() : s.results().copy())
        .recover(
            fe -> {
              LOG.warning("Could not finalize job " + job.id() + " after a permanent error: " + fe);
              return Future.succeededFuture(new JsonObject());
            })
        .compose(
            results ->
                executor
                    .cleanup(job)
                    .otherwise(
                        ce -> {
                          LOG.warning("Cleanup of job " + job.id() + " failed: " + ce);
                          return null;
                        })
                    .map(results))
        .compose(
            results -> {
              if (!(results.getValue("error") instanceof JsonObject)) {
                results.put("error", error);
              }
              return postError(task, results);
            });
  }

  private Future<Handled> postError(AgentTask task, JsonObject results) {
    return post(task, ExecutorState.ERROR, results, true, nowNs.getAsLong()).map(Handled.COMPLETE);
  }

  private static String traceback(Throwable e) {
    StringWriter w = new StringWriter();
    e.printStackTrace(new PrintWriter(w));
    String s = w.toString();
    return s.length() > MAX_TRACEBACK ? s.substring(0, MAX_TRACEBACK) + "\n..." : s;
  }
}

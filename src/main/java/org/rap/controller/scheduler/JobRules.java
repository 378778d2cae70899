package org.rap.controller.scheduler;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.rap.common.model.Job;
import org.rap.common.model.JobIds;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.StatusMessages;
import org.rap.controller.db.TaskRepository.RunJobState;
import org.rap.controller.fleet.TaskLeases;

/**
 * The per-job state machine of a scheduler pass (docs/spec/scheduling.md section 2;
 * docs/job-states.md), without side effects: from a job, what the pass knows about it ({@link
 * JobFacts}) and the time, the job's new status and what must happen with it ({@link Decision}).
 * The rules apply in order, the first that applies wins: cancelled, backend paused (pending jobs),
 * database maintenance (database jobs), then the rules of a pending or a running job.
 *
 * <p>A rule that meets an impossible state throws; the pass counts that as an error of the job
 * (retried with backoff, {@code internal_error} in the end), not of the pass.
 */
final class JobRules {
  private final int maxTaskAttempts;

  JobRules(int maxTaskAttempts) {
    this.maxTaskAttempts = maxTaskAttempts;
  }

  Decision decide(Job job, JobFacts facts, long nowNs) {
    boolean running = job.state() == State.RUNNING;
    if (job.cancelled()) {
      // 2.1: cancellation wins over everything; an active task is cancelled with it
      Decision d = set(job, StatusCode.CANCELLED_BY_USER, StatusMessages.CANCELLED_BY_USER, nowNs);
      boolean activeTask = running && facts.latestTask() != null && facts.latestTask().active();
      return activeTask ? cancelTask(d) : d;
    }
    if (facts.backendPaused() && !running) {
      // 2.2: a paused backend starts nothing; jobs waiting for a reboot keep saying so
      return job.statusCode() == StatusCode.WAITING_ON_REBOOT
          ? set(job, job.statusCode(), job.statusMessage(), nowNs)
          : set(job, StatusCode.WAITING_PAUSED, StatusMessages.PAUSED, nowNs);
    }
    if (facts.dbMaintenance() && job.requiresDb()) {
      // 2.3: database jobs wait; a running one loses its task and starts again afterwards
      Decision d =
          set(job, StatusCode.WAITING_DB_MAINTENANCE, StatusMessages.WAITING_DB_MAINTENANCE, nowNs);
      return running ? cancelTask(d) : d;
    }
    return running
        ? running(job, facts.latestTask(), facts.erroredAttempts(), nowNs)
        : pending(job, facts, nowNs);
  }

  /** 2.4: a pending job waits for its dependencies and for room, then starts. */
  private Decision pending(Job job, JobFacts facts, long nowNs) {
    boolean waiting = false;
    for (State dependency : facts.dependencies()) {
      if (dependency == State.FAILED) {
        return set(job, StatusCode.DEPENDENCY_FAILED, StatusMessages.DEPENDENCY_FAILED, nowNs);
      }
      waiting |= dependency != State.SUCCEEDED;
    }
    if (waiting) {
      return set(
          job, StatusCode.WAITING_ON_DEPENDENCIES, StatusMessages.WAITING_ON_DEPENDENCIES, nowNs);
    }
    JobFacts.Room room = facts.room();
    if (!room.fits()) {
      if (job.requiresDb()) {
        return set(
            job, StatusCode.WAITING_ON_DB_WORKERS, StatusMessages.WAITING_ON_DB_WORKERS, nowNs);
      }
      String heavy = room.weight() > 1 ? StatusMessages.RESOURCE_INTENSIVE_SUFFIX : "";
      return set(
          job, StatusCode.WAITING_ON_WORKERS, StatusMessages.WAITING_ON_WORKERS + heavy, nowNs);
    }
    return set(job, StatusCode.INITIATED, StatusMessages.INITIATED, nowNs)
        .with(Decision.Effect.START_TASK);
  }

  /**
   * 2.5: a running job mirrors the stage its task's agent reports, with the agent's time; when the
   * agent completes the task, its results decide: success or a failure code, or, after an agent
   * error, a new task (up to {@code MAX_TASK_ATTEMPTS} errored tasks) or {@code job_error}.
   */
  private Decision running(Job job, RunJobState task, int erroredAttempts, long nowNs) {
    if (task == null) {
      throw new IllegalStateException(
          "Job " + job.id() + " (" + job.action() + ") is running but has no RUNJOB task");
    }
    if (!task.agentComplete()) {
      StatusCode stage = StatusCode.find(task.agentStage()).orElse(job.statusCode());
      return Decision.write(
          StatusBook.setCode(job, stage, job.statusMessage(), task.agentTimestampNs(), nowNs));
    }
    JsonObject results = task.agentResults();
    return completed(job, results, task.agentTimestampNs(), erroredAttempts, nowNs)
        .withResults(results);
  }

  /** 2.5: the agent completed the job's task with these results. */
  private Decision completed(
      Job job, JsonObject results, Long agentTimestampNs, int erroredAttempts, long nowNs) {
    if (!TaskResults.hasError(results)) {
      TaskResults.Verdict v = TaskResults.verdict(results, job.requiresDb());
      return Decision.write(
          StatusBook.setCode(job, v.code(), v.message(), agentTimestampNs, nowNs));
    }
    if (TaskResults.isFatal(results)) {
      return set(job, StatusCode.JOB_ERROR, StatusMessages.JOB_ERROR, nowNs);
    }
    String permanent = TaskResults.permanentMessage(results);
    if (permanent != null) {
      String message =
          permanent.isBlank()
              ? StatusMessages.JOB_ERROR
              : StatusMessages.JOB_ERROR + " " + permanent;
      return set(job, StatusCode.JOB_ERROR, message, nowNs);
    }
    if (erroredAttempts >= maxTaskAttempts) {
      return set(
              job,
              StatusCode.JOB_ERROR,
              retriesExhausted(erroredAttempts) + lostAgents(results),
              nowNs)
          .withWarning(
              "Job "
                  + job.id()
                  + " returned an error on attempt "
                  + erroredAttempts
                  + " (limit "
                  + maxTaskAttempts
                  + "): "
                  + TaskResults.errorText(results));
    }
    return set(job, StatusCode.WAITING_ON_NEW_TASK, StatusMessages.WAITING_ON_NEW_TASK, nowNs);
  }

  /**
   * The scheduler failed on the job too often ({@code MAX_LOOP_ERRORS_PER_JOB}): {@code
   * internal_error}, and a running job's task is cancelled.
   */
  Decision failedInScheduler(Job job, long nowNs) {
    Decision d = set(job, StatusCode.INTERNAL_ERROR, StatusMessages.INTERNAL_ERROR, nowNs);
    return job.state() == State.RUNNING ? cancelTask(d) : d;
  }

  /** A plain status write at the controller's time. */
  private static Decision set(Job job, StatusCode code, String message, long nowNs) {
    return Decision.write(StatusBook.setCode(job, code, message, null, nowNs));
  }

  private static Decision cancelTask(Decision d) {
    return d.with(Decision.Effect.CANCEL_TASK);
  }

  /** The JOB_ERROR message when agent-reported errors used up every attempt. */
  static String retriesExhausted(int attempts) {
    return StatusMessages.JOB_ERROR
        + " It failed with an error on "
        + attempts
        + " attempts and will not be retried automatically.";
  }

  /**
   * " Agents lost: a, b." when attempts ended because their agents' leases ran out (their results
   * name every agent lost so far: docs/spec/task-api.md section 8.4), else "".
   */
  static String lostAgents(JsonObject results) {
    if (!(results.getValue(TaskLeases.LOST_AGENTS) instanceof JsonArray lost) || lost.isEmpty()) {
      return "";
    }
    List<String> names = new ArrayList<>();
    lost.forEach(a -> names.add(String.valueOf(a)));
    return " Agents lost: " + String.join(", ", names) + ".";
  }

  /** The attempt a RUNJOB task id encodes ({@code <job_id>-<NNN>}). */
  static int attemptNumber(String taskId) {
    return JobIds.attemptOf(taskId);
  }
}

package org.rap.controller.scheduler;

import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.telemetry.LogTags;

/**
 * The reference's {@code set_code} bookkeeping (docs/spec/job-model.md section 8): {@link #setCode}
 * is a pure function whose result the caller stores (conditional on the old code, batched) and logs
 * with {@link #log}.
 */
public final class StatusBook {
  private static final Logger LOG = Logger.getLogger(StatusBook.class.getName());

  /** Unchanged codes refresh {@code updated_at} at most this often. */
  public static final long REFRESH_SECONDS = 60;

  private StatusBook() {}

  /** The INFO line for a job's status. */
  public static String logLine(Job job, StatusCode code, String message) {
    return "Job " + job.id() + " (" + job.action() + "): " + code.value() + ": " + message;
  }

  /** What {@link #setCode} decided. */
  public enum Kind {
    /** Nothing to write. */
    NONE,
    /** Same code; only {@code updated_at} moves to now. */
    REFRESH,
    /** New code (and possibly state, started_at, completed_at). */
    CHANGE
  }

  /**
   * @param job the job after the change (equal to the input for {@link Kind#NONE})
   * @param previous the job before
   * @param warning what an operator should know about the change, or null
   */
  public record Outcome(Kind kind, Job job, Job previous, String warning) {
    public boolean stateChanged() {
      return job.state() != previous.state();
    }
  }

  /** Logs a change as the reference does (INFO, tagged with the job), and its warning if any. */
  public static void log(Outcome o) {
    if (o.warning() != null) {
      LOG.warning(o.warning());
    }
    if (o.kind() == Kind.CHANGE) {
      LogTags.job(o.job())
          .log(
              LOG,
              Level.INFO,
              logLine(o.previous(), o.job().statusCode(), o.job().statusMessage()));
    }
  }

  /**
   * Applies a status change.
   *
   * @param agentTimestampNs the agent's time of the change, or null to use {@code nowNs}
   */
  public static Outcome setCode(
      Job job, StatusCode code, String message, Long agentTimestampNs, long nowNs) {
    if (job.statusCode() == code) {
      long nowS = nowNs / 1_000_000_000L;
      if (job.updatedAt() == null || nowS - job.updatedAt() >= REFRESH_SECONDS) {
        Job refreshed =
            job.withStatus(
                job.state(),
                job.statusCode(),
                job.statusMessage(),
                nowS,
                job.startedAt(),
                job.completedAt(),
                job.statusCodeUpdatedAt());
        return new Outcome(Kind.REFRESH, refreshed, job, null);
      }
      return new Outcome(Kind.NONE, job, job, null);
    }
    long ts = agentTimestampNs != null && agentTimestampNs > 0 ? agentTimestampNs : nowNs;
    String warning = null;
    if (ts < job.statusCodeUpdatedAt()) {
      warning =
          "Negative state duration for job "
              + job.id()
              + " entering "
              + code.value()
              + ": timestamp "
              + ts
              + " is before "
              + job.statusCodeUpdatedAt()
              + "; clamping";
      ts = job.statusCodeUpdatedAt() + 1_000_000L;
    }
    long seconds = ts / 1_000_000_000L;
    State state = job.state();
    Long startedAt = job.startedAt();
    Long completedAt = job.completedAt();
    if (code.isRunning()) {
      state = State.RUNNING;
      if (startedAt == null) {
        startedAt = seconds;
      }
    } else if (code == StatusCode.CANCELLED_BY_USER) {
      state = State.FAILED;
    } else if (code.isFinal()) {
      completedAt = seconds;
      state = code == StatusCode.SUCCEEDED ? State.SUCCEEDED : State.FAILED;
    } else if (code.isReset()) {
      state = State.PENDING;
      startedAt = null;
    }
    Job changed = job.withStatus(state, code, message, seconds, startedAt, completedAt, ts);
    return new Outcome(Kind.CHANGE, changed, job, warning);
  }
}

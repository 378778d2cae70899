package org.rap.agent.executor;

/**
 * An executor or task-handling failure with a retry classification (replaces the reference's {@code
 * test_hard_failure} text hook). A {@code permanent} failure will not go away by retrying the same
 * task (e.g. an archived workspace, a missing input file, a repository that fails validation): the
 * agent finalizes the job with the error and reports the task complete, so the controller can
 * re-queue or fail the job. A transient failure (Docker busy, timeouts, network) leaves the task
 * untouched and the agent retries it on a later round.
 */
public class ExecutorException extends RuntimeException {
  private final boolean permanent;

  public ExecutorException(String message, boolean permanent) {
    super(message);
    this.permanent = permanent;
  }

  public ExecutorException(String message, boolean permanent, Throwable cause) {
    super(message, cause);
    this.permanent = permanent;
  }

  public static ExecutorException permanent(String message) {
    return new ExecutorException(message, true);
  }

  public static ExecutorException transientError(String message, Throwable cause) {
    return new ExecutorException(message, false, cause);
  }

  public boolean permanent() {
    return permanent;
  }
}

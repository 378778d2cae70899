package org.rap.agent.executor;

/** A transient failure (Docker timed out or unavailable): retry the same call later. */
public final class ExecutorRetry extends ExecutorException {
  public ExecutorRetry(String message) {
    super(message, false);
  }

  public ExecutorRetry(String message, Throwable cause) {
    super(message, false, cause);
  }
}

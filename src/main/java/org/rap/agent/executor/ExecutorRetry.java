package org.rap.agent.executor;

/** A transient failure (Docker timed out or unavailable): retry the same call later. */
public final class ExecutorRetry extends RuntimeException {
  public ExecutorRetry(String message) {
    super(message);
  }

  public ExecutorRetry(String message, Throwable cause) {
    super(message, cause);
  }
}

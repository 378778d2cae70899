package org.rap.agent.poller;

import java.time.Duration;

/**
 * A failed task API call. {@code status} is the HTTP status, or 0 for a network error (connection
 * refused, reset, timeout). Only 401 and 403 are {@link #unauthorised() fatal}; everything else is
 * retried with backoff.
 */
public final class TaskApiException extends RuntimeException {
  private final int status;
  private final Duration retryAfter;

  public TaskApiException(int status, String message, Duration retryAfter, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.retryAfter = retryAfter;
  }

  public int status() {
    return status;
  }

  /** The server's Retry-After, or null. */
  public Duration retryAfter() {
    return retryAfter;
  }

  /**
   * The controller refused an update because this agent no longer holds the task (409,
   * docs/spec/task-api.md section 8.3): the attempt must stop and write nothing.
   */
  public boolean leaseLost() {
    return status == 409;
  }

  public boolean unauthorised() {
    return status == 401 || status == 403;
  }
}

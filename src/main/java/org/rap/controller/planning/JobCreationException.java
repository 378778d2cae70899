package org.rap.controller.planning;

/**
 * A known job-creation error whose message is returned verbatim to job-server as {@code details}
 * (docs/spec/rap-api.md section 6.2). Any other exception is reported as {@code Unknown error}.
 */
public final class JobCreationException extends Exception {
  public JobCreationException(String message) {
    super(message);
  }

  public JobCreationException(String message, Throwable cause) {
    super(message, cause);
  }
}

package org.rap.agent.executor;

/**
 * A permanent, user-facing failure of a job (archived workspace, missing image, checkout failure,
 * missing input file, unknown database, refused path). Retrying will not help: the caller should
 * finalize the job with this error. The message is shown to users and contains no secrets.
 */
public final class JobFailure extends ExecutorException {
  public JobFailure(String message) {
    super(message, true);
  }

  public JobFailure(String message, Throwable cause) {
    super(message, true, cause);
  }
}

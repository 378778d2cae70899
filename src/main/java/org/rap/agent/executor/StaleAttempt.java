package org.rap.agent.executor;

/**
 * This agent's attempt at a job is no longer the current one (docs/spec/task-api.md section 8.3): a
 * later attempt's run exists, or a later attempt has begun to finalize. The attempt must stop
 * without writing anything; neither an error of the job nor a retry.
 */
public final class StaleAttempt extends ExecutorException {
  public StaleAttempt(String message) {
    super(message, false);
  }
}

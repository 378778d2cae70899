package org.rap.agent;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.rap.agent.executor.Executor;
import org.rap.agent.executor.ExecutorException;
import org.rap.agent.executor.JobStatus;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.Privacy;

/**
 * Placeholder until {@link Executors#create} returns the Docker executor: every operation fails
 * with a transient error (tasks stay active and nothing is reported), and the agent reports not
 * ready. Lets the agent role start, serve health and poll before the branches merge.
 */
final class UnwiredExecutor implements Executor {
  static final String MESSAGE = "executor not wired: the Docker executor is not connected yet";

  private static <T> Future<T> fail() {
    return Future.failedFuture(new ExecutorException(MESSAGE, false));
  }

  @Override
  public Future<JobStatus> status(JobDefinition job, boolean cancelled) {
    return fail();
  }

  @Override
  public Future<JobStatus> prepare(JobDefinition job) {
    return fail();
  }

  @Override
  public Future<JobStatus> execute(JobDefinition job) {
    return fail();
  }

  @Override
  public Future<JobStatus> finalizeJob(JobDefinition job, boolean cancelled, JsonObject error) {
    return fail();
  }

  @Override
  public Future<JobStatus> terminate(JobDefinition job) {
    return fail();
  }

  @Override
  public Future<Void> cleanup(JobDefinition job) {
    return fail();
  }

  @Override
  public Future<List<String>> deleteFiles(String workspace, Privacy privacy, List<String> files) {
    return fail();
  }
}

package org.rap.agent.executor;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.rap.agent.bus.AgentAddresses;
import org.rap.agent.bus.ExecutorOp;
import org.rap.agent.bus.LocalMessages;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.Privacy;

/**
 * The executor verticle as task handling sees it: every step, database task and readiness check is
 * a request over the event bus ({@link ExecutorOp}), answered with what the executor's lifecycle
 * answered, failures included (the same exceptions, so permanent and transient failures are told
 * apart as before). Callable from any context; the answer arrives on the caller's.
 */
public final class ExecutorClient implements JobLifecycle, DbTaskRunner {
  private final Vertx vertx;
  private final AgentAddresses addresses;

  public ExecutorClient(Vertx vertx, AgentAddresses addresses) {
    this.vertx = vertx;
    this.addresses = addresses;
  }

  private <T> Future<T> request(ExecutorOp op, Object body) {
    return LocalMessages.request(vertx, addresses.executor(op), body, op.timeout());
  }

  @Override
  public Future<JobStatus> status(JobDefinition job, boolean cancelled) {
    return request(ExecutorOp.STATUS, new ExecutorRequests.Job(job, cancelled, null));
  }

  @Override
  public Future<JobStatus> prepare(JobDefinition job) {
    return request(ExecutorOp.PREPARE, new ExecutorRequests.Job(job));
  }

  @Override
  public Future<JobStatus> execute(JobDefinition job) {
    return request(ExecutorOp.EXECUTE, new ExecutorRequests.Job(job));
  }

  @Override
  public Future<JobStatus> finalizeJob(JobDefinition job, boolean cancelled, JsonObject error) {
    return request(
        ExecutorOp.FINALIZE,
        new ExecutorRequests.Job(job, cancelled, error == null ? null : error.copy()));
  }

  @Override
  public Future<JobStatus> finalizeJob(
      JobDefinition job, boolean cancelled, JsonObject error, Long fenceToken) {
    return request(
        ExecutorOp.FINALIZE,
        new ExecutorRequests.Job(job, cancelled, error == null ? null : error.copy(), fenceToken));
  }

  @Override
  public Future<Void> abandon(JobDefinition job) {
    return request(ExecutorOp.ABANDON, new ExecutorRequests.Job(job));
  }

  @Override
  public Future<List<RunLabels.OwnedRun>> ownedRuns(String agentId) {
    return request(ExecutorOp.OWNED_RUNS, agentId);
  }

  @Override
  public Future<JobStatus> terminate(JobDefinition job) {
    return request(ExecutorOp.TERMINATE, new ExecutorRequests.Job(job));
  }

  @Override
  public Future<Void> cleanup(JobDefinition job) {
    return request(ExecutorOp.CLEANUP, new ExecutorRequests.Job(job));
  }

  @Override
  public Future<Void> awaitExit(JobDefinition job) {
    return request(ExecutorOp.AWAIT_EXIT, new ExecutorRequests.Job(job));
  }

  @Override
  public Future<List<String>> deleteFiles(String workspace, Privacy privacy, List<String> files) {
    return request(ExecutorOp.DELETE_FILES, new ExecutorRequests.Files(workspace, privacy, files));
  }

  @Override
  public Future<String> run(
      String image, String imageSha, List<String> args, Map<String, String> env, String network) {
    return request(
        ExecutorOp.DB_TASK, new ExecutorRequests.DbTask(image, imageSha, args, env, network));
  }

  /** Completes when the container runtime answers; fails naming the problem. */
  public Future<Void> ready() {
    return request(ExecutorOp.READY, null);
  }
}

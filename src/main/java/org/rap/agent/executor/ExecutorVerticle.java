package org.rap.agent.executor;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.agent.bus.AgentAddresses;
import org.rap.agent.bus.ExecutorOp;
import org.rap.agent.bus.LocalMessages;
import org.rap.agent.metrics.RunningJob;

/**
 * The agent's executor (docs/spec/agent-executor.md sections 2 to 11) as a verticle: it owns the
 * container runtime ({@link Executor}) and the lifecycle on it, and answers the requests of {@link
 * ExecutorOp} on the addresses of {@link AgentAddresses#executor}. What the lifecycle finds out
 * about runs it publishes for the metrics verticle ({@link AgentAddresses#runStarted}, {@link
 * AgentAddresses#runStopped}).
 *
 * <p>A worker verticle ({@link #deployment}): the runtime's client blocks (docker-java), so its
 * start and stop may block. Requests for different jobs run side by side on the lifecycle's worker
 * pool and database tasks and readiness checks on Vert.x's, as a worker context alone would run
 * them one at a time; task handling never starts two steps of one job at once.
 */
public final class ExecutorVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(ExecutorVerticle.class.getName());

  /** How it is deployed: as a worker. */
  public static DeploymentOptions deployment() {
    return new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER);
  }

  /** Builds the lifecycle on the runtime (default: {@link ExecutorLifecycle}). */
  @FunctionalInterface
  public interface LifecycleFactory {
    JobLifecycle create(Vertx vertx, Executor executor, RunListener runs);
  }

  private final Executor executor;
  private final LifecycleFactory lifecycles;
  private final AgentAddresses addresses;
  private final List<MessageConsumer<Object>> consumers = new ArrayList<>();
  private JobLifecycle lifecycle;

  public ExecutorVerticle(
      Executor executor, LifecycleFactory lifecycles, AgentAddresses addresses) {
    this.executor = executor;
    this.lifecycles = lifecycles;
    this.addresses = addresses;
  }

  @Override
  public Future<?> start() {
    LocalMessages.register(vertx);
    lifecycle = lifecycles.create(vertx, executor, publisher());
    job(ExecutorOp.STATUS, r -> lifecycle.status(r.job(), r.cancelled()));
    job(ExecutorOp.PREPARE, r -> lifecycle.prepare(r.job()));
    job(ExecutorOp.EXECUTE, r -> lifecycle.execute(r.job()));
    job(
        ExecutorOp.FINALIZE,
        r ->
            r.fenceToken() == null
                ? lifecycle.finalizeJob(r.job(), r.cancelled(), r.error())
                : lifecycle.finalizeJob(r.job(), r.cancelled(), r.error(), r.fenceToken()));
    job(ExecutorOp.ABANDON, r -> lifecycle.abandon(r.job()));
    serve(ExecutorOp.OWNED_RUNS, (String agentId) -> lifecycle.ownedRuns(agentId));
    job(ExecutorOp.TERMINATE, r -> lifecycle.terminate(r.job()));
    job(ExecutorOp.CLEANUP, r -> lifecycle.cleanup(r.job()));
    job(ExecutorOp.AWAIT_EXIT, r -> lifecycle.awaitExit(r.job()));
    serve(
        ExecutorOp.DELETE_FILES,
        (ExecutorRequests.Files f) -> lifecycle.deleteFiles(f.workspace(), f.privacy(), f.names()));
    serve(
        ExecutorOp.DB_TASK,
        (ExecutorRequests.DbTask t) ->
            vertx.executeBlocking(
                () -> executor.runDbTask(t.image(), t.imageSha(), t.args(), t.env(), t.network()),
                false));
    serve(
        ExecutorOp.READY,
        none ->
            vertx.executeBlocking(
                () -> {
                  executor.ping();
                  return null;
                },
                false));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  private void job(ExecutorOp op, Function<ExecutorRequests.Job, Future<?>> step) {
    serve(op, step);
  }

  private <B> void serve(ExecutorOp op, Function<B, Future<?>> handler) {
    consumers.add(LocalMessages.serve(vertx, addresses.executor(op), handler));
  }

  /** Runs found running or stopped, published for the metrics verticle. */
  private RunListener publisher() {
    return new RunListener() {
      @Override
      public void started(RunningJob job) {
        LocalMessages.publish(vertx, addresses.runStarted(), job);
      }

      @Override
      public void stopped(String jobId) {
        LocalMessages.publish(vertx, addresses.runStopped(), jobId);
      }
    };
  }

  @Override
  public Future<?> stop() {
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList())
        .eventually(
            () -> {
              try {
                if (lifecycle instanceof AutoCloseable c) {
                  c.close();
                }
                executor.close();
              } catch (Exception e) {
                LOG.log(Level.WARNING, "Closing the executor failed", e);
              }
              return Future.succeededFuture();
            });
  }
}

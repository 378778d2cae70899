package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.rap.agent.bus.AgentAddresses;
import org.rap.agent.metrics.JobMetricsSource;
import org.rap.agent.metrics.RunningJob;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.Privacy;

/**
 * The executor verticle over the event bus: steps reach the lifecycle on the runtime, answers and
 * failures come back as they were (a permanent failure stays permanent), steps of different jobs
 * run side by side although it is a worker verticle, runs are published for the metrics verticle,
 * and stopping it closes the runtime.
 */
@ExtendWith(VertxExtension.class)
class ExecutorVerticleTest {
  @TempDir Path base;
  final AgentAddresses addresses = AgentAddresses.of("executor-test");
  final FakeRuntime runtime = new FakeRuntime();

  /** A container runtime in memory: runs by job id, and hooks for the test. */
  static final class FakeRuntime implements Executor {
    final Map<String, JobRun> runs = new ConcurrentHashMap<>();
    final AtomicInteger pulling = new AtomicInteger();
    final AtomicInteger mostPullingAtOnce = new AtomicInteger();
    volatile CountDownLatch pullGate = new CountDownLatch(0);
    final AtomicBoolean closed = new AtomicBoolean();
    volatile RuntimeException pingFailure;

    @Override
    public void pullImage(JobDefinition job) {
      mostPullingAtOnce.accumulateAndGet(pulling.incrementAndGet(), Math::max);
      try {
        pullGate.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        pulling.decrementAndGet();
      }
    }

    @Override
    public Optional<JobRun> inspect(JobDefinition job) {
      return Optional.ofNullable(runs.get(job.id()));
    }

    @Override
    public void start(JobDefinition job, Map<String, String> secrets) {
      runs.put(job.id(), run(JobRun.Phase.RUNNING, null));
    }

    @Override
    public void streamLogs(JobDefinition job, OutputStream sink) {}

    @Override
    public void kill(JobDefinition job) {
      runs.computeIfPresent(job.id(), (k, r) -> run(JobRun.Phase.STOPPED, 137));
    }

    @Override
    public void remove(JobDefinition job) {
      runs.remove(job.id());
    }

    @Override
    public String runDbTask(
        String image, String imageSha, List<String> args, Map<String, String> env, String net) {
      if (args.contains("fail")) {
        throw new DbTaskException("CalledProcessError", "exit status 3");
      }
      return String.join(" ", args) + " " + env.get("DATABASE_URL") + " " + net;
    }

    @Override
    public void ping() {
      if (pingFailure != null) {
        throw pingFailure;
      }
    }

    @Override
    public void close() {
      closed.set(true);
    }

    static JobRun run(JobRun.Phase phase, Integer exit) {
      return new JobRun(
          "c1",
          phase,
          1_700_000_000_000_000_000L,
          1_700_000_001_000_000_000L,
          phase == JobRun.Phase.STOPPED ? 1_700_000_002_000_000_000L : null,
          exit,
          false,
          0,
          "sha256:i",
          new JsonObject(),
          new JsonObject());
    }
  }

  /** Deploys the verticle as the agent does, the lifecycle on {@link #runtime}. */
  Future<ExecutorClient> deploy(Vertx vertx) {
    ExecutorSettings settings = ExecutorSettings.local("test", base);
    ExecutorVerticle verticle =
        new ExecutorVerticle(
            runtime,
            (v, rt, runs) ->
                new ExecutorLifecycle(
                    v,
                    rt,
                    settings,
                    (url, commit, target) -> Files.writeString(target.resolve("code.txt"), commit),
                    ProjectActions.UNKNOWN,
                    JobMetricsSource.NONE,
                    runs),
            addresses);
    return vertx
        .deployVerticle(verticle, ExecutorVerticle.deployment())
        .map(id -> new ExecutorClient(vertx, addresses));
  }

  static JobDefinition job(String id) {
    return JobDefinition.fromJson(
        new JsonObject()
            .put("id", id)
            .put("rap_id", "rap1")
            .put("task_id", id + "-001")
            .put("repo_url", "https://github.com/opensafely/study")
            .put("commit", "a".repeat(40))
            .put("workspace", "ws")
            .put("action", "act")
            .put("created_at", 1_763_769_600L)
            .put("image", "ghcr.io/opensafely-core/python:v2")
            .put("args", List.of("python", "x.py"))
            .put("output_spec", new JsonObject().put("output/*.csv", "highly_sensitive")));
  }

  @Test
  void stepsOfAJobGoThroughTheLifecycleAndRunsArePublished(Vertx vertx, VertxTestContext ctx) {
    JobDefinition job = job("j1");
    // a run is reported each time the lifecycle finds it running or stopped
    Checkpoint started = ctx.laxCheckpoint();
    Checkpoint stopped = ctx.laxCheckpoint();
    Checkpoint steps = ctx.checkpoint();
    vertx
        .eventBus()
        .consumer(
            addresses.runStarted(),
            m -> {
              ctx.verify(() -> assertEquals(new RunningJob("j1", "c1", 1_700_000_000L), m.body()));
              started.flag();
            });
    vertx
        .eventBus()
        .consumer(
            addresses.runStopped(),
            m -> {
              ctx.verify(() -> assertEquals("j1", m.body()));
              stopped.flag();
            });
    deploy(vertx)
        .compose(
            client ->
                client
                    .prepare(job)
                    .compose(
                        prepared -> {
                          ctx.verify(() -> assertEquals(ExecutorState.PREPARED, prepared.state()));
                          return client.execute(job);
                        })
                    .compose(
                        executing -> {
                          ctx.verify(
                              () -> {
                                assertEquals(ExecutorState.EXECUTING, executing.state());
                                assertEquals(1_700_000_001_000_000_000L, executing.timestampNs());
                              });
                          return client.terminate(job);
                        })
                    .compose(
                        executed -> {
                          ctx.verify(() -> assertEquals(ExecutorState.EXECUTED, executed.state()));
                          return client.finalizeJob(job, true, null);
                        })
                    .compose(
                        done -> {
                          ctx.verify(
                              () -> {
                                assertEquals(ExecutorState.FINALIZED, done.state());
                                assertEquals("Job cancelled by system", done.message());
                                assertEquals("137", done.results().getString("exit_code"));
                              });
                          return client.cleanup(job).compose(v -> client.status(job, false));
                        }))
        .onComplete(
            ctx.succeeding(
                after ->
                    ctx.verify(
                        () -> {
                          assertEquals(ExecutorState.FINALIZED, after.state());
                          assertTrue(runtime.runs.isEmpty(), "the run was removed");
                          assertTrue(!Files.exists(base.resolve("high_privacy/volumes/j1")));
                          steps.flag();
                        })));
  }

  @Test
  void answersAndFailuresComeBackAsTheExecutorGaveThem(Vertx vertx, VertxTestContext ctx) {
    JobDefinition longAction =
        JobDefinition.fromJson(job("j2").toJson().put("action", "a".repeat(252)));
    deploy(vertx)
        .compose(
            client -> {
              runtime.pingFailure = new IllegalStateException("engine down");
              List<Future<?>> answers =
                  List.of(
                      client.prepare(longAction),
                      client.run("img", null, List.of("fail"), Map.of(), "none"),
                      client.run("img", null, List.of("ok"), Map.of("DATABASE_URL", "u"), "net"),
                      client.ready(),
                      client.deleteFiles("ws", Privacy.HIGH, List.of("../escape.csv")));
              return Future.join(answers).transform(ar -> Future.succeededFuture(answers));
            })
        .onComplete(
            ctx.succeeding(
                answers ->
                    ctx.verify(
                        () -> {
                          assertPermanent(failure(answers.get(0)));
                          assertTrue(
                              failure(answers.get(0))
                                  .getMessage()
                                  .startsWith("Action name is 252 bytes long"));
                          DbTaskException db =
                              assertInstanceOf(DbTaskException.class, failure(answers.get(1)));
                          assertEquals("CalledProcessError", db.type());
                          assertEquals("ok u net", answers.get(2).result());
                          assertEquals("engine down", failure(answers.get(3)).getMessage());
                          assertEquals(List.of("../escape.csv"), answers.get(4).result());
                          ctx.completeNow();
                        })));
  }

  @Test
  void stepsOfDifferentJobsRunSideBySide(Vertx vertx, VertxTestContext ctx) {
    runtime.pullGate = new CountDownLatch(1);
    deploy(vertx)
        .compose(
            client -> {
              Future<JobStatus> a = client.prepare(job("j3"));
              Future<JobStatus> b = client.prepare(job("j4"));
              vertx.setPeriodic(
                  10,
                  id -> {
                    if (runtime.pulling.get() == 2) {
                      vertx.cancelTimer(id);
                      runtime.pullGate.countDown();
                    }
                  });
              return Future.all(a, b);
            })
        .onComplete(
            ctx.succeeding(
                both ->
                    ctx.verify(
                        () -> {
                          assertEquals(2, runtime.mostPullingAtOnce.get());
                          assertEquals(ExecutorState.PREPARED, both.<JobStatus>resultAt(0).state());
                          assertEquals(ExecutorState.PREPARED, both.<JobStatus>resultAt(1).state());
                          ctx.completeNow();
                        })));
  }

  @Test
  void undeployingClosesTheRuntime(Vertx vertx, VertxTestContext ctx) {
    deploy(vertx)
        .compose(client -> vertx.undeploy(vertx.deploymentIDs().iterator().next()))
        .onComplete(
            ctx.succeeding(
                v ->
                    ctx.verify(
                        () -> {
                          assertTrue(runtime.closed.get());
                          ctx.completeNow();
                        })));
  }

  /** The failure of {@code f}, which must have failed. */
  static Throwable failure(Future<?> f) {
    assertTrue(f.failed(), "expected a failure, got " + f.result());
    return f.cause();
  }

  static void assertPermanent(Throwable e) {
    ExecutorException x = assertInstanceOf(ExecutorException.class, e);
    assertTrue(x.permanent(), x.getMessage());
    assertSame(JobFailure.class, x.getClass());
  }
}

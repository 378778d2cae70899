package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.rap.agent.executor.docker.DockerApi;
import org.rap.agent.executor.docker.DockerExecutor;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;
import org.rap.common.telemetry.CallTimer;

/**
 * The Engine API calls one job costs, counted on a real engine along the path an agent takes
 * (status before each step, as the RUNJOB handling asks it): one image inspect, one container
 * inspect per step plus one after the start, create, start, one wait, the logs and the removal.
 * Every call is paid in the agent and in the engine for each job, so a new one should be a choice.
 */
@Tag("docker")
class DockerCallsPerJobTest extends DockerTestBase {
  final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  DockerApi counted;

  @BeforeEach
  void countedConnection() {
    counted =
        DockerApi.connect(
            DockerApi.dockerHost(),
            new CallTimer() {
              @Override
              public <T> T time(String operation, Callable<T> body) throws Exception {
                return body.call();
              }

              @Override
              public void record(String operation, String outcome, long nanos) {
                calls.computeIfAbsent(operation, k -> new AtomicInteger()).incrementAndGet();
              }
            });
    executor =
        fx.add(
            ExecutorLifecycle.create(
                vertx,
                new DockerExecutor(vertx, counted, fx.settings()),
                fx.settings(),
                id -> Future.succeededFuture(new JsonObject())));
  }

  @AfterEach
  void closeCounted() throws Exception {
    counted.close();
  }

  int count(String operation) {
    AtomicInteger n = calls.get(operation);
    return n == null ? 0 : n.get();
  }

  @Test
  void aJobCostsOneInspectPerStepAndOneImageInspect() throws Exception {
    JobDefinition job =
        fx.job("mkdir -p output; echo x > output/a.csv", spec("output/a.csv", "highly_sensitive"));
    assertEquals(ExecutorState.UNKNOWN, executor.status(job, false).await().state());
    assertEquals(ExecutorState.PREPARED, executor.prepare(job).await().state());
    assertEquals(ExecutorState.PREPARED, executor.status(job, false).await().state());
    executor.execute(job).await();
    executor.awaitExit(job).await();
    assertEquals(ExecutorState.EXECUTED, executor.status(job, false).await().state());
    assertEquals(ExecutorState.FINALIZED, executor.finalizeJob(job, false, null).await().state());
    executor.cleanup(job).await();

    assertEquals(1, count("GET images/json"), calls.toString());
    // status x3 (each step's check reuses it) and one after the start
    assertEquals(4, count("GET containers/json"), calls.toString());
    assertEquals(1, count("POST containers/create"), calls.toString());
    assertEquals(1, count("POST containers/start"), calls.toString());
    assertEquals(1, count("DELETE containers/{id}"), calls.toString());
    assertEquals(1, count("GET containers/logs"), calls.toString());
    // only a create refused for asking more CPUs than the host has asks for the host's
    assertEquals(0, count("GET info"), calls.toString());
  }
}

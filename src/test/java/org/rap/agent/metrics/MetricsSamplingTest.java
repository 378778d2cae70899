package org.rap.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.HostConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.rap.agent.bus.AgentAddresses;
import org.rap.agent.bus.LocalMessages;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.docker.DockerApi;
import org.rap.agent.executor.docker.DockerExecutor;

/**
 * Metrics sampling against the real Docker engine with a running busybox job container, sampled
 * through the Docker executor once the executor reports it running.
 */
@Tag("docker")
@ExtendWith(VertxExtension.class)
class MetricsSamplingTest {
  @TempDir Path dir;

  @Test
  void samplesRunningJobContainersAndPersistsAggregates(Vertx vertx) throws Exception {
    DockerApi docker = DockerApi.connect();
    String jobId = "metricstest" + UUID.randomUUID().toString().substring(0, 8);
    String other = "os-notajob-" + UUID.randomUUID().toString().substring(0, 8);
    String id =
        docker
            .client()
            .createContainerCmd("rap-test/busybox:latest")
            .withName("os-job-" + jobId)
            .withCmd("sh", "-c", "x=0; while true; do x=$((x+1)); done")
            .withHostConfig(
                HostConfig.newHostConfig().withNetworkMode("none").withNanoCPUs(500_000_000L))
            .exec()
            .getId();
    String otherId =
        docker
            .client()
            .createContainerCmd("rap-test/busybox:latest")
            .withName(other)
            .withCmd("sleep", "60")
            .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none"))
            .exec()
            .getId();
    try {
      docker.client().startContainerCmd(id).exec();
      docker.client().startContainerCmd(otherId).exec();
      AgentAddresses addresses = AgentAddresses.of("sampling");
      DockerExecutor executor =
          new DockerExecutor(vertx, docker, ExecutorSettings.local("test", dir));
      MetricsStore store = new MetricsStore(dir.resolve("metrics.sqlite"));
      MetricsVerticle verticle =
          new MetricsVerticle(executor::sample, store, Duration.ofHours(1), 2, null, addresses);
      vertx.deployVerticle(verticle).await();
      long created =
          Instant.parse(
                  docker.inspectContainer("os-job-" + jobId).orElseThrow().getString("Created"))
              .getEpochSecond();
      // what the executor publishes when it finds the job's container running
      LocalMessages.publish(vertx, addresses.runStarted(), new RunningJob(jobId, id, created));
      JsonObject m = new JsonObject();
      for (int i = 0; i < 10 && m.isEmpty(); i++) {
        Thread.sleep(500); // runtime must be > 0 s (Created has 1 s resolution)
        verticle.tick().await();
        m = store.get(jobId);
      }
      assertNotNull(m.getValue("cpu_sample"), m.encode());
      assertNotNull(m.getValue("mem_mb_sample"), m.encode());
      assertEquals(id, m.getString("container_id"));
      assertTrue(m.getDouble("cpu_peak") >= m.getDouble("cpu_sample"));
      assertTrue(m.getDouble("mem_mb_sample") > 0, m.encode());
      for (String k :
          List.of("cpu_cumsum", "cpu_mean", "mem_mb_cumsum", "mem_mb_mean", "mem_mb_peak")) {
        assertNotNull(m.getValue(k), k);
      }
      assertEquals(new JsonObject(), store.get(other.substring("os-".length())));
      assertEquals(List.of(new RunningJob(jobId, id, created)), verticle.running());
      // the executor asks for them at finalize
      JsonObject asked =
          LocalMessages.<JsonObject>request(
                  vertx, addresses.jobMetrics(), jobId, Duration.ofSeconds(10))
              .await();
      assertEquals(m, asked);
    } finally {
      docker.client().removeContainerCmd(id).withForce(true).exec();
      docker.client().removeContainerCmd(otherId).withForce(true).exec();
      docker.close();
    }
  }
}

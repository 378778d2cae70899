package org.rap.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.HostConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.agent.DockerClients;

/** Metrics sampling against the real Docker engine with a running busybox job container. */
@Tag("docker")
class MetricsSamplingTest {
  @TempDir Path dir;

  @Test
  void samplesRunningJobContainersAndPersistsAggregates() throws Exception {
    Vertx vertx = Vertx.vertx();
    DockerClient docker = DockerClients.create();
    String jobId = "metricstest" + UUID.randomUUID().toString().substring(0, 8);
    String other = "os-notajob-" + UUID.randomUUID().toString().substring(0, 8);
    String id =
        docker
            .createContainerCmd("rap-test/busybox:latest")
            .withName("os-job-" + jobId)
            .withCmd("sh", "-c", "x=0; while true; do x=$((x+1)); done")
            .withHostConfig(
                HostConfig.newHostConfig().withNetworkMode("none").withNanoCPUs(500_000_000L))
            .exec()
            .getId();
    String otherId =
        docker
            .createContainerCmd("rap-test/busybox:latest")
            .withName(other)
            .withCmd("sleep", "60")
            .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none"))
            .exec()
            .getId();
    try {
      docker.startContainerCmd(id).exec();
      docker.startContainerCmd(otherId).exec();
      MetricsStore store = new MetricsStore(dir.resolve("metrics.sqlite"));
      MetricsVerticle verticle =
          new MetricsVerticle(
              new StatsSampler(docker, Duration.ofSeconds(10)), store, Duration.ofHours(1), 2);
      vertx.deployVerticle(verticle).await();
      JsonObject m = new JsonObject();
      for (int i = 0; i < 10 && m.isEmpty(); i++) {
        Thread.sleep(500); // runtime must be > 0 s (Created has 1 s resolution)
        verticle.tick().await();
        m = store.metricsFor(jobId);
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
      assertEquals(new JsonObject(), store.metricsFor(other.substring("os-".length())));
      assertTrue(
          new StatsSampler(docker, Duration.ofSeconds(10))
              .jobContainers().stream().noneMatch(c -> c.getId().equals(otherId)));
      vertx.close().await();
    } finally {
      docker.removeContainerCmd(id).withForce(true).exec();
      docker.removeContainerCmd(otherId).withForce(true).exec();
      docker.close();
    }
  }
}

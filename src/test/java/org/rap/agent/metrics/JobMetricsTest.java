package org.rap.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reference's aggregation rule and the metrics store. */
class JobMetricsTest {
  @TempDir Path dir;

  @Test
  void aggregatesAsTheReference() {
    ContainerSample s1 = new ContainerSample("j", "c1", 0, 50.0, 100 * 1048576L);
    JsonObject m1 = JobMetrics.update(new JsonObject(), s1, 10, 10.0);
    assertEquals(50.0, m1.getDouble("cpu_sample"));
    assertEquals(500.0, m1.getDouble("cpu_cumsum"));
    assertEquals(50.0, m1.getDouble("cpu_mean"));
    assertEquals(50.0, m1.getDouble("cpu_peak"));
    assertEquals(100.0, m1.getDouble("mem_mb_sample"));
    assertEquals(1000.0, m1.getDouble("mem_mb_cumsum"));
    assertEquals(100.0, m1.getDouble("mem_mb_mean"));
    assertEquals("c1", m1.getString("container_id"));

    ContainerSample s2 = new ContainerSample("j", "c1", 0, 150.0, 50 * 1048576L);
    JsonObject m2 = JobMetrics.update(m1, s2, 10, 20.0);
    assertEquals(150.0, m2.getDouble("cpu_sample"));
    assertEquals(2000.0, m2.getDouble("cpu_cumsum"));
    assertEquals(100.0, m2.getDouble("cpu_mean"));
    assertEquals(150.0, m2.getDouble("cpu_peak"));
    assertEquals(100.0, m2.getDouble("mem_mb_peak"));
    assertEquals(1500.0 / 20.0, m2.getDouble("mem_mb_mean"));

    // job re-run in a new container: aggregates restart
    ContainerSample s3 = new ContainerSample("j", "c2", 0, 10.0, 1048576L);
    JsonObject m3 = JobMetrics.update(m2, s3, 5, 5.0);
    assertEquals(50.0, m3.getDouble("cpu_cumsum"));
    assertEquals(10.0, m3.getDouble("cpu_peak"));
    assertEquals(1.0, m3.getDouble("mem_mb_peak"));
    assertEquals("c2", m3.getString("container_id"));
  }

  @Test
  void storeToleratesMissingFileAndTableAndRoundTrips() throws Exception {
    MetricsStore store = new MetricsStore(dir.resolve("sub/metrics.sqlite"));
    assertEquals(new JsonObject(), store.get("j"));
    assertTrue(!Files.exists(store.file()), "a read does not create the file");
    Path empty = dir.resolve("empty.sqlite");
    DriverManager.getConnection("jdbc:sqlite:" + empty).close();
    assertEquals(new JsonObject(), new MetricsStore(empty).get("j"));

    JsonObject m = new JsonObject().put("cpu_peak", 12.5).put("container_id", "c");
    store.put("j", m);
    assertEquals(m, store.get("j"));
    store.put("j", m.copy().put("cpu_peak", 13.0));
    assertEquals(13.0, store.get("j").getDouble("cpu_peak"));
    assertEquals(new JsonObject(), store.get("other"));
  }
}

package org.rap.agent.metrics;

import io.vertx.core.json.JsonObject;

/** The reference's per-job aggregation rule (docs/spec/observability.md section 1, step 4). */
public final class JobMetrics {
  private JobMetrics() {}

  /**
   * The new aggregates after one sample.
   *
   * @param previous stored aggregates (empty when none)
   * @param durationSeconds whole seconds since the previous tick
   * @param runtimeSeconds now − container start, must be > 0
   */
  public static JsonObject update(
      JsonObject previous, ContainerSample sample, long durationSeconds, double runtimeSeconds) {
    JsonObject m =
        sample.containerId().equals(previous.getString("container_id"))
            ? previous.copy()
            : new JsonObject(); // new container: restart from zero
    double cpu = sample.cpuPercentage();
    double memMb = sample.memoryBytes() / 1048576.0;
    double cpuCumsum = num(m, "cpu_cumsum") + durationSeconds * cpu;
    double memCumsum = num(m, "mem_mb_cumsum") + durationSeconds * memMb;
    return m.put("cpu_sample", cpu)
        .put("cpu_cumsum", cpuCumsum)
        .put("cpu_mean", cpuCumsum / runtimeSeconds)
        .put("cpu_peak", Math.max(num(m, "cpu_peak"), cpu))
        .put("mem_mb_sample", memMb)
        .put("mem_mb_cumsum", memCumsum)
        .put("mem_mb_mean", memCumsum / runtimeSeconds)
        .put("mem_mb_peak", Math.max(num(m, "mem_mb_peak"), memMb))
        .put("container_id", sample.containerId());
  }

  private static double num(JsonObject m, String key) {
    Object v = m.getValue(key);
    return v instanceof Number n ? n.doubleValue() : 0.0;
  }
}

package org.rap.common.telemetry;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.time.Duration;

/**
 * Every timer of a process is a Prometheus histogram with these fixed buckets ({@code
 * <name>_seconds_bucket{le=...}}, in seconds), so latencies can be aggregated across replicas and
 * their quantiles computed with {@code histogram_quantile}: from 5 ms (an HTTP request, a database
 * call) to 20 minutes (an image pull, a long git fetch). A summary per process could not be
 * aggregated at all.
 */
final class LatencyBuckets implements MeterFilter {
  static final Duration[] BUCKETS = {
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30),
    Duration.ofSeconds(60),
    Duration.ofSeconds(120),
    Duration.ofSeconds(300),
    Duration.ofSeconds(600),
    Duration.ofSeconds(1200)
  };

  @Override
  public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
    if (id.getType() != Meter.Type.TIMER) {
      return config;
    }
    double[] nanos = new double[BUCKETS.length];
    for (int i = 0; i < BUCKETS.length; i++) {
      nanos[i] = BUCKETS[i].toNanos();
    }
    return DistributionStatisticConfig.builder()
        .percentilesHistogram(false)
        .serviceLevelObjectives(nanos)
        .build()
        .merge(config);
  }
}

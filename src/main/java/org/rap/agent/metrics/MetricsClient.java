package org.rap.agent.metrics;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.rap.agent.bus.AgentAddresses;
import org.rap.agent.bus.LocalMessages;

/** A job's resource aggregates, asked of the metrics verticle over the event bus. */
public final class MetricsClient implements JobMetricsSource {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private final Vertx vertx;
  private final AgentAddresses addresses;

  public MetricsClient(Vertx vertx, AgentAddresses addresses) {
    this.vertx = vertx;
    this.addresses = addresses;
  }

  @Override
  public Future<JsonObject> metricsFor(String jobId) {
    return LocalMessages.request(vertx, addresses.jobMetrics(), jobId, TIMEOUT);
  }
}

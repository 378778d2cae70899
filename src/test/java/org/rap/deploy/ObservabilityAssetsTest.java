package org.rap.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.rap.testing.PromQl;

/**
 * The shipped Grafana dashboard and Prometheus alert rules (deploy/observability): well-formed, the
 * alerts operators need are there, and the names their expressions read are RAP's. That each name
 * exists on the /metrics of a running controller and agent is checked by ObservabilityIT.
 */
class ObservabilityAssetsTest {
  @Test
  void metricNamesAreFoundInPromQl() {
    assertEquals(
        Set.of("rap_scheduler_loop_seconds_bucket"),
        PromQl.metricNames(
            "histogram_quantile(0.99, sum by (le) (rate(rap_scheduler_loop_seconds_bucket{outcome=\"success\"}[10m]))) > 5"));
    assertEquals(
        Set.of("rap_storage_free_bytes", "rap_storage_size_bytes"),
        PromQl.metricNames("rap_storage_free_bytes / on (tree) rap_storage_size_bytes < 0.1"));
    assertEquals(
        Set.of("rap_agent_last_seen_timestamp_seconds"),
        PromQl.metricNames(
            "time() - max by (backend) (rap_agent_last_seen_timestamp_seconds{backend=~\"$backend\"}) > 300 offset 5m"));
    assertEquals(Set.of("up"), PromQl.metricNames("sum without (instance) (up) and bool 1"));
  }

  @Test
  void theAlertsOperatorsNeedAreShipped() throws Exception {
    Map<String, String> alerts = PromQl.alerts();
    for (String name :
        List.of(
            "RapAgentNotSeen",
            "RapQueueAgeHigh",
            "RapJobErrorRateHigh",
            "RapSchedulerPassSlow",
            "RapStorageLow")) {
      assertTrue(alerts.containsKey(name), name + " in " + alerts.keySet());
    }
    assertTrue(alerts.get("RapAgentNotSeen").contains("rap_agent_last_seen_timestamp_seconds"));
    assertTrue(alerts.get("RapQueueAgeHigh").contains("rap_queue_age_seconds"));
    assertTrue(alerts.get("RapSchedulerPassSlow").contains("rap_scheduler_loop_seconds_bucket"));
    assertTrue(alerts.get("RapStorageLow").contains("rap_storage_free_bytes"));
    for (String expr : alerts.values()) {
      assertFalse(PromQl.metricNames(expr).isEmpty(), expr);
    }
  }

  @Test
  void theDashboardIsGrafanaJsonWhoseQueriesReadRapAndVertxMetrics() throws Exception {
    JsonObject d = new JsonObject(Files.readString(PromQl.DASHBOARD));
    assertEquals("rap-overview", d.getString("uid"));
    List<String> queries = PromQl.dashboardQueries();
    assertTrue(queries.size() >= 20, queries.toString());
    Set<String> names = PromQl.assetMetricNames();
    for (String n : names) {
      assertTrue(n.startsWith("rap_") || n.startsWith("vertx_"), n);
      assertFalse(n.endsWith("_percent"), "base units only: " + n);
    }
    assertTrue(names.contains("rap_jobs"), names.toString());
    assertTrue(names.contains("rap_job_cpu_usage_ratio"), names.toString());
  }
}

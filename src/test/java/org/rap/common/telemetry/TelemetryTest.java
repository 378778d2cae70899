package org.rap.common.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.rap.common.config.Settings;
import org.rap.common.model.Job;
import org.rap.common.model.JobSpec;
import org.rap.common.model.JobStatus;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.testing.Jobs;
import org.rap.testing.OtlpCollector;

/** Metrics registry wiring into Vert.x, and the job trace model exported over OTLP/HTTP. */
class TelemetryTest {

  private static Job at(Job j, State state, StatusCode code, long tsNs) {
    return j.withStatus(
        state,
        code,
        code.value() + " message",
        tsNs / 1_000_000_000L,
        j.startedAt(),
        j.completedAt(),
        tsNs);
  }

  private static Job newJob(String traceparent) {
    long created = 1_700_000_000L;
    Job j = Jobs.pending("rap1", "generate", "test", "ws", created);
    return new Job(
        new JobSpec(
            j.id(),
            j.rapId(),
            "test",
            j.workspace(),
            j.action(),
            created,
            new JobSpec.Source(
                j.repoUrl(), j.commit(), "main", j.actionRepoUrl(), j.actionCommit()),
            new JobSpec.Run(
                j.runCommand(),
                j.outputSpec(),
                false,
                j.databaseName(),
                Map.of("dataset_permissions", List.of("a", "b"))),
            new JobSpec.Needs(j.requiresOutputsFrom(), j.waitForJobIds()),
            new JobSpec.Origin(
                "alice", "proj", List.of("org1", "org2"), Map.of("traceparent", traceparent))),
        new JobStatus(
            State.PENDING,
            StatusCode.CREATED,
            "Created",
            false,
            created,
            null,
            null,
            created * 1_000_000_000L));
  }

  private static void await(Supplier<Boolean> done) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!done.get() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  @Test
  void jobTraceFollowsTheReferenceModel() throws Exception {
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    String root = "00f067aa0ba902b7";
    try (OtlpCollector collector = new OtlpCollector();
        Telemetry t =
            Telemetry.create(
                TelemetryConfig.from(
                    Settings.of(
                        Map.of(
                            "OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint(),
                            "OTEL_SERVICE_NAME", "rap-controller",
                            "BACKEND", "test")),
                    "controller"))) {
      assertTrue(t.tracing());
      Job created = newJob("00-" + trace + "-" + root + "-01");
      long t0 = created.statusCodeUpdatedAt();
      Job initiated = at(created, State.RUNNING, StatusCode.INITIATED, t0 + 2_000_000_000L);
      Job executing = at(initiated, State.RUNNING, StatusCode.EXECUTING, t0 + 3_000_000_000L);
      Job succeeded = at(executing, State.SUCCEEDED, StatusCode.SUCCEEDED, t0 + 7_000_000_000L);
      JobTraces traces = t.jobTraces();
      traces.statusChanged(created, initiated);
      traces.statusChanged(initiated, initiated); // no change: nothing
      traces.statusChanged(initiated, executing);
      traces.statusChanged(
          executing,
          succeeded,
          new JsonObject()
              .put("exit_code", 0)
              .put("image_id", "sha256:abc")
              .put("message", "done")
              .put("unmatched_patterns", new JsonArray().add("output/secret_*.csv")));
      t.flush();
      await(() -> collector.spans().size() >= 5);
      List<OtlpCollector.Span> spans = collector.spansOfTrace(trace);
      assertEquals(
          List.of("CREATED", "INITIATED", "EXECUTING", "SUCCEEDED", "JOB"),
          spans.stream().map(OtlpCollector.Span::name).toList(),
          spans.toString());
      OtlpCollector.Span job = spans.get(4);
      assertEquals(root, job.spanId(), "the root span has the id stored in trace_context");
      assertEquals("", job.parentSpanId());
      assertEquals(created.createdAt() * 1_000_000_000L - 1000, job.startNs());
      assertEquals(succeeded.statusCodeUpdatedAt(), job.endNs());
      for (OtlpCollector.Span s : spans.subList(0, 4)) {
        assertEquals(root, s.parentSpanId(), s.name());
        assertEquals(0, s.statusCode(), s.name());
      }
      OtlpCollector.Span createdSpan = spans.get(0);
      assertEquals(t0, createdSpan.startNs());
      assertEquals(t0 + 2_000_000_000L, createdSpan.endNs());
      assertEquals(created.id(), createdSpan.attributes().get("job.id"));
      assertEquals("rap1", createdSpan.attributes().get("job.request"));
      assertEquals("org1,org2", createdSpan.attributes().get("job.orgs"));
      assertEquals("a,b", createdSpan.attributes().get("job.analysis_scope.dataset_permissions"));
      assertEquals(
          created.createdAt() * 1_000_000_000L, createdSpan.attributes().get("job.created_at"));
      OtlpCollector.Span fin = spans.get(3);
      assertEquals(Boolean.TRUE, fin.attributes().get("job.succeeded"));
      assertEquals(1_000_000_000L, fin.endNs() - fin.startNs());
      assertEquals(0L, fin.attributes().get("job.exit_code"));
      assertEquals("sha256:abc", job.attributes().get("job.image_id"));
      assertEquals("done", job.attributes().get("job.executor_message"));
      for (OtlpCollector.Span s : spans) {
        assertFalse(
            s.attributes().toString().contains("output/"), "no output names or patterns on spans");
      }
      assertEquals("rap-controller", job.resource().get("service.name"));
      assertEquals("test", job.resource().get("service.namespace"));
      assertEquals("controller", job.resource().get("rap.service"));
      assertEquals("test", job.resource().get("rap.backend"));
    }
  }

  @Test
  void onlyInternalErrorMarksSpansAsErrors() throws Exception {
    String trace = "0af7651916cd43dd8448eb211c80319c";
    String root = "b7ad6b7169203331";
    try (OtlpCollector collector = new OtlpCollector();
        Telemetry t =
            Telemetry.create(
                TelemetryConfig.exportingTo(
                    collector.endpoint(), "controller", "test", Duration.ofSeconds(30)))) {
      Job created = newJob("00-" + trace + "-" + root + "-01");
      long t0 = created.statusCodeUpdatedAt();
      Job failed = at(created, State.FAILED, StatusCode.INTERNAL_ERROR, t0 + 1_000_000_000L);
      t.jobTraces().statusChanged(created, failed);
      Job other = newJob("00-" + "1".repeat(32) + "-" + "2".repeat(16) + "-01");
      t.jobTraces()
          .statusChanged(
              other, at(other, State.FAILED, StatusCode.NONZERO_EXIT, t0 + 1_000_000_000L));
      t.flush();
      await(() -> collector.spans().size() >= 6);
      Map<String, Integer> status = new HashMap<>();
      for (OtlpCollector.Span s : collector.spansOfTrace(trace)) {
        status.put(s.name(), s.statusCode());
      }
      assertEquals(Map.of("CREATED", 0, "INTERNAL_ERROR", 2, "JOB", 2), status);
      for (OtlpCollector.Span s : collector.spansOfTrace("1".repeat(32))) {
        assertEquals(0, s.statusCode(), s.name());
        if (s.name().equals("NONZERO_EXIT")) {
          assertEquals(Boolean.FALSE, s.attributes().get("job.succeeded"));
        }
      }
    }
  }

  @Test
  void withoutOtelSettingsTracingIsANoOp() {
    try (Telemetry t =
        Telemetry.create(TelemetryConfig.from(Settings.of(Map.of("BACKEND", "test")), "agent"))) {
      assertFalse(t.tracing());
      Job created = newJob("00-" + "3".repeat(32) + "-" + "4".repeat(16) + "-01");
      t.jobTraces()
          .statusChanged(
              created,
              at(
                  created,
                  State.SUCCEEDED,
                  StatusCode.SUCCEEDED,
                  created.statusCodeUpdatedAt() + 1));
    }
    TelemetryConfig headersOnly =
        TelemetryConfig.from(
            Settings.of(Map.of("OTEL_EXPORTER_OTLP_HEADERS", "x-honeycomb-team=abc")), "agent");
    assertTrue(headersOnly.tracing());
    Map<String, String> p = headersOnly.sdkProperties();
    assertEquals("https://api.honeycomb.io", p.get("otel.exporter.otlp.endpoint"));
    assertEquals("x-honeycomb-team=abc", p.get("otel.exporter.otlp.headers"));
    assertEquals("otlp", p.get("otel.traces.exporter"));
    assertEquals("http/protobuf", p.get("otel.exporter.otlp.protocol"));
    assertEquals("none", p.get("otel.metrics.exporter"));
  }

  @Test
  void standardOtelSettingsReachTheSdk() throws Exception {
    try (OtlpCollector collector = new OtlpCollector();
        Telemetry t =
            Telemetry.create(
                TelemetryConfig.from(
                    Settings.of(
                        Map.of(
                            // a signal-specific endpoint is a full URL, not a base
                            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                                collector.endpoint() + "/v1/traces",
                            "OTEL_RESOURCE_ATTRIBUTES",
                                "deployment.environment=staging,rap.backend=override",
                            "OTEL_SERVICE_NAME", "rap-agent",
                            "BACKEND", "tpp",
                            "VERSION", "1.2.3")),
                    "agent"))) {
      assertTrue(t.tracing());
      t.tracer("test").spanBuilder("PROBE").startSpan().end();
      t.flush();
      await(() -> !collector.spans().isEmpty());
      OtlpCollector.Span probe = collector.spans().get(0);
      assertEquals("PROBE", probe.name());
      assertEquals("staging", probe.resource().get("deployment.environment"));
      assertEquals(
          "override", probe.resource().get("rap.backend"), "OTEL_RESOURCE_ATTRIBUTES wins");
      assertEquals("rap-agent", probe.resource().get("service.name"));
      assertEquals("tpp", probe.resource().get("service.namespace"));
      assertEquals("1.2.3", probe.resource().get("service.version"));
      assertEquals("agent", probe.resource().get("rap.service"));
    }
    // a sampler that drops everything: nothing is exported
    try (OtlpCollector collector = new OtlpCollector();
        Telemetry t =
            Telemetry.create(
                TelemetryConfig.from(
                    Settings.of(
                        Map.of(
                            "OTEL_EXPORTER_OTLP_ENDPOINT",
                            collector.endpoint(),
                            "OTEL_TRACES_SAMPLER",
                            "always_off")),
                    "agent"))) {
      t.tracer("test").spanBuilder("DROPPED").startSpan().end();
      t.flush();
      Thread.sleep(300);
      assertEquals(List.of(), collector.spans());
    }
  }

  @Test
  void theConsoleExporterLogsEverySpanWithoutAnyOtherSetting() {
    Logging.configure(
        Map.of()); // TRACE_LOG_LEVEL defaults to ERROR for the OpenTelemetry libraries
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            records.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger exporter = Logger.getLogger("io.opentelemetry.exporter.logging");
    exporter.addHandler(capture);
    try (Telemetry t =
        Telemetry.create(
            TelemetryConfig.from(Settings.of(Map.of("OTEL_EXPORTER_CONSOLE", "1")), "manage"))) {
      assertTrue(t.tracing());
      t.tracer("test").spanBuilder("CONSOLE_PROBE").startSpan().end();
      t.flush();
    } finally {
      exporter.removeHandler(capture);
    }
    assertTrue(
        records.stream()
            .anyMatch(
                r ->
                    String.valueOf(r.getMessage()).contains("CONSOLE_PROBE")
                        || (r.getParameters() != null
                            && List.of(r.getParameters()).toString().contains("CONSOLE_PROBE"))),
        records.toString());
  }

  @Test
  void aMalformedEndpointIsAConfigurationError() {
    Settings s = Settings.of(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"));
    TelemetryConfig.from(s, "agent");
    RuntimeException e = Assertions.assertThrows(RuntimeException.class, s::throwIfInvalid);
    assertTrue(
        e.getMessage().contains("OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL"),
        e.getMessage());
  }

  @Test
  void vertxHttpServerMetricsAreLabelledByRouteNotPath() {
    try (Telemetry t = Telemetry.none()) {
      Vertx vertx = t.newVertx();
      try {
        Router router = Router.router(vertx);
        router.get("/metrics").handler(t.scrapeHandler());
        router.get("/items/:id").handler(rc -> rc.response().end("ok"));
        HttpServer server =
            vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
        WebClient web = WebClient.create(vertx);
        int port = server.actualPort();
        for (String id : List.of("secret-a", "secret-b", "secret-c")) {
          assertEquals(200, web.get(port, "127.0.0.1", "/items/" + id).send().await().statusCode());
        }
        assertEquals(404, web.get(port, "127.0.0.1", "/nothing-here").send().await().statusCode());
        String first = web.get(port, "127.0.0.1", "/metrics").send().await().bodyAsString();
        String second = web.get(port, "127.0.0.1", "/metrics").send().await().bodyAsString();
        String line =
            second
                .lines()
                .filter(
                    l ->
                        l.startsWith("vertx_http_server_requests_total")
                            && l.contains("route=\"/items/:id\""))
                .findFirst()
                .orElseThrow(() -> new AssertionError(second));
        assertTrue(line.contains("code=\"200\""), line);
        assertTrue(line.contains("method=\"GET\""), line);
        assertTrue(line.endsWith(" 3.0"), line);
        assertFalse(second.contains("secret-a"), "raw paths never become labels");
        assertTrue(second.contains("rap_service=\"none\""), "common tag");
        assertTrue(first.contains("jvm_memory_used_bytes"), "JVM metrics");
        assertTrue(second.contains("route=\"/metrics\""), second);
      } finally {
        vertx.close().await();
      }
    }
  }
}

package org.rap.common.telemetry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.rap.common.config.Settings;

/**
 * What telemetry a process exports (docs/spec/observability.md section 2). Metrics are always
 * collected (served on {@code /metrics}). Traces go through the OpenTelemetry SDK's
 * autoconfiguration, so every standard {@code OTEL_*} setting works (exporters, endpoints, headers,
 * protocol, sampler, batching, resource attributes), from the environment or from any configuration
 * layer. RAP adds the job-runner's defaults on top: spans are exported over OTLP/HTTP only when an
 * endpoint or headers are configured (headers alone export to {@value #DEFAULT_OTLP_ENDPOINT}),
 * {@code OTEL_EXPORTER_CONSOLE} also logs them, and without any of these tracing is a no-op.
 *
 * @param serviceName {@code service.name} ({@code OTEL_SERVICE_NAME}, default {@code jobrunner})
 * @param service {@code rap.service}: controller, agent or manage
 * @param backend {@code BACKEND} or {@code unknown}
 * @param otel every {@code OTEL_*} setting as configured (names as environment variables)
 * @param tickInterval {@code TICK_POLL_INTERVAL} (default 30 s): how often the controller emits
 *     {@code TICK} traces of its active jobs
 */
public record TelemetryConfig(
    String serviceName,
    String service,
    String backend,
    String version,
    Map<String, String> otel,
    Duration tickInterval) {

  public static final String DEFAULT_OTLP_ENDPOINT = "https://api.honeycomb.io";

  public TelemetryConfig {
    otel = Map.copyOf(otel);
  }

  /** No tracing; metrics only. */
  public static TelemetryConfig metricsOnly(String service, String backend) {
    return new TelemetryConfig(
        "jobrunner", service, backend, "unknown", Map.of(), Duration.ofSeconds(30));
  }

  /** Spans exported over OTLP/HTTP to {@code endpoint} (tests and tools). */
  public static TelemetryConfig exportingTo(
      String endpoint, String service, String backend, Duration tickInterval) {
    return new TelemetryConfig(
        "jobrunner",
        service,
        backend,
        "v1",
        Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        tickInterval);
  }

  public static TelemetryConfig from(Settings s, String service) {
    s.raw("OTEL_EXPORTER_OTLP_HEADERS"); // a secret: masked in logs (Logging)
    s.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        .ifPresent(
            e -> {
              if (!e.matches("https?://[^\\s/]+(/\\S*)?")) {
                s.problem(
                    "OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL, got '"
                        + e
                        + "'");
              }
            });
    s.get("OTEL_EXPORTER_CONSOLE");
    Map<String, String> otel = new LinkedHashMap<>();
    for (String key : s.keys()) {
      if (key.startsWith("OTEL_")) {
        s.raw(key).ifPresent(v -> otel.put(key, v.strip()));
      }
    }
    return new TelemetryConfig(
        s.string("OTEL_SERVICE_NAME", "jobrunner"),
        service,
        s.string("BACKEND", "unknown"),
        s.string("VERSION", "unknown"),
        otel,
        Duration.ofMillis(Math.round(s.decimal("TICK_POLL_INTERVAL", 30.0, 0.0) * 1000)));
  }

  public TelemetryConfig withVersion(String v) {
    return new TelemetryConfig(serviceName, service, backend, v, otel, tickInterval);
  }

  /**
   * The properties handed to the SDK's autoconfiguration: the {@code OTEL_*} settings as {@code
   * otel.*} properties, plus RAP's defaults where a setting is absent (traces exporter from the
   * job-runner's rules, OTLP over HTTP/protobuf, no OpenTelemetry metrics or logs exporter since
   * metrics are Prometheus and logs go to standard error, spans batched every second).
   */
  public Map<String, String> sdkProperties() {
    Map<String, String> p = new LinkedHashMap<>();
    otel.forEach((k, v) -> p.put(k.toLowerCase(Locale.ROOT).replace('_', '.'), v));
    String console = p.remove("otel.exporter.console");
    p.putIfAbsent("otel.service.name", serviceName);
    p.putIfAbsent("otel.metrics.exporter", "none");
    p.putIfAbsent("otel.logs.exporter", "none");
    p.putIfAbsent("otel.exporter.otlp.protocol", "http/protobuf");
    p.putIfAbsent("otel.bsp.schedule.delay", "1000");
    boolean endpoint =
        p.containsKey("otel.exporter.otlp.endpoint")
            || p.containsKey("otel.exporter.otlp.traces.endpoint");
    boolean headers =
        p.containsKey("otel.exporter.otlp.headers")
            || p.containsKey("otel.exporter.otlp.traces.headers");
    if (headers && !endpoint) {
      p.put("otel.exporter.otlp.endpoint", DEFAULT_OTLP_ENDPOINT);
    }
    if (!p.containsKey("otel.traces.exporter")) {
      List<String> exporters = new ArrayList<>();
      if (endpoint || headers) {
        exporters.add("otlp");
      }
      if (console != null && !console.equalsIgnoreCase("false") && !console.equals("0")) {
        exporters.add("console");
      }
      p.put("otel.traces.exporter", exporters.isEmpty() ? "none" : String.join(",", exporters));
    }
    return p;
  }

  /** Whether spans go anywhere (else the tracer is a no-op and costs nothing). */
  public boolean tracing() {
    Map<String, String> p = sdkProperties();
    return !"true".equalsIgnoreCase(p.getOrDefault("otel.sdk.disabled", "false"))
        && !p.get("otel.traces.exporter").strip().equalsIgnoreCase("none");
  }

  /** The OTLP endpoint spans go to, when they go to one (for start-up logs). */
  public Optional<String> otlpEndpoint() {
    Map<String, String> p = sdkProperties();
    return Optional.ofNullable(
        p.getOrDefault("otel.exporter.otlp.traces.endpoint", p.get("otel.exporter.otlp.endpoint")));
  }
}

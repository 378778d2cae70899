package org.rap.common.telemetry;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.rap.common.config.Settings;

/**
 * What telemetry a process exports (docs/spec/observability.md section 2). Metrics are always
 * collected (served on {@code /metrics}); traces only when an OTLP endpoint or headers, or the
 * console exporter, are configured, otherwise tracing is a no-op.
 *
 * @param serviceName {@code service.name} ({@code OTEL_SERVICE_NAME}, default {@code jobrunner})
 * @param service {@code rap.service}: controller, agent or manage
 * @param backend {@code BACKEND} or {@code unknown}
 * @param otlpEndpoint base URL; spans go to {@code <endpoint>/v1/traces}
 * @param otlpHeaders {@code OTEL_EXPORTER_OTLP_HEADERS} ({@code k=v,k2=v2})
 * @param console {@code OTEL_EXPORTER_CONSOLE}: spans also logged
 * @param tickInterval {@code TICK_POLL_INTERVAL} (default 30 s): how often the controller emits
 *     {@code TICK} traces of its active jobs
 */
public record TelemetryConfig(
    String serviceName,
    String service,
    String backend,
    String version,
    Optional<String> otlpEndpoint,
    Map<String, String> otlpHeaders,
    boolean console,
    Duration tickInterval) {

  public static final String DEFAULT_OTLP_ENDPOINT = "https://api.honeycomb.io";

  public TelemetryConfig {
    otlpHeaders = Map.copyOf(otlpHeaders);
  }

  /** No tracing; metrics only. */
  public static TelemetryConfig metricsOnly(String service, String backend) {
    return new TelemetryConfig(
        "jobrunner",
        service,
        backend,
        "unknown",
        Optional.empty(),
        Map.of(),
        false,
        Duration.ofSeconds(30));
  }

  public static TelemetryConfig from(Settings s, String service) {
    Map<String, String> headers = parseHeaders(s.raw("OTEL_EXPORTER_OTLP_HEADERS").orElse(""));
    Optional<String> endpoint = s.get("OTEL_EXPORTER_OTLP_ENDPOINT");
    endpoint.ifPresent(
        e -> {
          if (!e.matches("https?://[^\\s/]+(/\\S*)?")) {
            s.problem(
                "OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL, got '" + e + "'");
          }
        });
    if (endpoint.isEmpty() && !headers.isEmpty()) {
      endpoint = Optional.of(DEFAULT_OTLP_ENDPOINT);
    }
    return new TelemetryConfig(
        s.string("OTEL_SERVICE_NAME", "jobrunner"),
        service,
        s.string("BACKEND", "unknown"),
        s.string("VERSION", "unknown"),
        endpoint,
        headers,
        s.get("OTEL_EXPORTER_CONSOLE")
            .filter(v -> !v.equalsIgnoreCase("false") && !v.equals("0"))
            .isPresent(),
        Duration.ofMillis(Math.round(s.decimal("TICK_POLL_INTERVAL", 30.0, 0.0) * 1000)));
  }

  public TelemetryConfig withVersion(String v) {
    return new TelemetryConfig(
        serviceName, service, backend, v, otlpEndpoint, otlpHeaders, console, tickInterval);
  }

  public boolean tracing() {
    return otlpEndpoint.isPresent() || console;
  }

  /** The OTLP/HTTP traces URL. */
  public Optional<String> tracesUrl() {
    return otlpEndpoint.map(
        e -> e.endsWith("/v1/traces") ? e : e.replaceAll("/+$", "") + "/v1/traces");
  }

  /** {@code key=value} pairs separated by commas (the OTel specification's format). */
  static Map<String, String> parseHeaders(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String part : raw.split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        out.put(
            URLDecoder.decode(part.substring(0, eq).strip(), StandardCharsets.UTF_8),
            URLDecoder.decode(part.substring(eq + 1).strip(), StandardCharsets.UTF_8));
      }
    }
    return out;
  }
}

package org.rap.common.telemetry;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.time.Duration;
import java.util.EnumSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A process's telemetry: the Prometheus registry behind {@code /metrics} (also fed by Vert.x's own
 * HTTP, pool and JVM metrics when Vert.x is built with {@link #newVertx}) and the OpenTelemetry
 * tracer provider (a no-op unless {@link TelemetryConfig#tracing()}). Created once per process (or
 * per test) and passed to whoever records something; never a static.
 */
public final class Telemetry implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Telemetry.class.getName());

  private final TelemetryConfig config;
  private final PrometheusMeterRegistry registry;
  private final String registryName = "rap-" + UUID.randomUUID();
  private final SdkTracerProvider tracerProvider; // null when tracing is off
  private final OpenTelemetry otel;
  private final ForcedIds ids;
  private final JobTraces jobTraces;

  private Telemetry(TelemetryConfig config) {
    this.config = config;
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("rap_service", config.service());
    if (config.tracing()) {
      ids = new ForcedIds();
      tracerProvider = tracerProvider(config, ids);
      otel = OpenTelemetrySdk.builder().setTracerProvider(tracerProvider).build();
    } else {
      ids = null;
      tracerProvider = null;
      otel = OpenTelemetry.noop();
    }
    jobTraces = new JobTraces(this);
  }

  public static Telemetry create(TelemetryConfig config) {
    return new Telemetry(config);
  }

  /** Metrics into a private registry, no tracing (tests and one-shot commands). */
  public static Telemetry none() {
    return new Telemetry(TelemetryConfig.metricsOnly("none", "unknown"));
  }

  private static SdkTracerProvider tracerProvider(TelemetryConfig c, ForcedIds ids) {
    Resource resource =
        Resource.getDefault()
            .merge(
                Resource.create(
                    Attributes.builder()
                        .put(AttributeKey.stringKey("service.name"), c.serviceName())
                        .put(AttributeKey.stringKey("service.namespace"), c.backend())
                        .put(AttributeKey.stringKey("service.version"), c.version())
                        .put(AttributeKey.stringKey("rap.service"), c.service())
                        .put(AttributeKey.stringKey("rap.backend"), c.backend())
                        .build()));
    SdkTracerProviderBuilder b =
        SdkTracerProvider.builder().setResource(resource).setIdGenerator(ids);
    c.tracesUrl()
        .ifPresent(
            url -> {
              try {
                OtlpHttpSpanExporterBuilder exporter =
                    OtlpHttpSpanExporter.builder()
                        .setEndpoint(url)
                        .setTimeout(Duration.ofSeconds(10));
                c.otlpHeaders().forEach(exporter::addHeader);
                b.addSpanProcessor(
                    BatchSpanProcessor.builder(exporter.build())
                        .setScheduleDelay(Duration.ofSeconds(1))
                        .build());
              } catch (RuntimeException e) {
                // tracing never stops the service: run without the exporter
                LOG.log(Level.SEVERE, "OTLP exporter disabled: " + e.getMessage());
              }
            });
    if (c.console()) {
      b.addSpanProcessor(SimpleSpanProcessor.create(LoggingSpanExporter.create()));
    }
    return b.build();
  }

  public TelemetryConfig config() {
    return config;
  }

  // ---------------------------------------------------------------------------------------------
  // Metrics

  public MeterRegistry meters() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /** {@code GET /metrics}. */
  public Handler<RoutingContext> scrapeHandler() {
    return PrometheusScrapingHandler.create(registry);
  }

  /**
   * Vert.x options reporting into this registry: HTTP server requests labelled by method, status
   * and matched route (never the raw path), client, pool and JVM metrics.
   */
  public MicrometerMetricsOptions metricsOptions() {
    EnumSet<Label> labels =
        EnumSet.of(
            Label.HTTP_ROUTE,
            Label.HTTP_METHOD,
            Label.HTTP_CODE,
            Label.EB_ADDRESS,
            Label.EB_FAILURE,
            Label.EB_SIDE,
            Label.POOL_TYPE,
            Label.POOL_NAME,
            Label.NAMESPACE);
    return new MicrometerMetricsOptions()
        .setEnabled(true)
        .setRegistryName(registryName)
        .setLabels(labels)
        .setJvmMetricsEnabled(true);
  }

  /** A Vert.x instance whose metrics go to this registry. */
  public Vertx newVertx(VertxOptions options) {
    return Vertx.builder()
        .with(options.setMetricsOptions(metricsOptions()))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
  }

  public Vertx newVertx() {
    return newVertx(new VertxOptions());
  }

  /**
   * Times blocking calls to an external system ({@code rap_<system>_call_seconds} with {@code
   * operation} and {@code outcome} labels). Operation names must be few and fixed.
   */
  public CallTimer calls(String system) {
    String name = "rap." + system + ".call";
    return new CallTimer() {
      @Override
      public <T> T time(String operation, Callable<T> body) throws Exception {
        long start = System.nanoTime();
        String outcome = "error";
        try {
          T result = body.call();
          outcome = "success";
          return result;
        } finally {
          record(operation, outcome, System.nanoTime() - start);
        }
      }

      @Override
      public void record(String operation, String outcome, long nanos) {
        try {
          Timer.builder(name)
              .description("Duration of " + system + " calls")
              .tag("operation", operation)
              .tag("outcome", outcome)
              .register(registry)
              .record(nanos, TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
          LOG.log(Level.FINE, "metrics: " + e, e);
        }
      }
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Traces

  public boolean tracing() {
    return tracerProvider != null;
  }

  public OpenTelemetry openTelemetry() {
    return otel;
  }

  public Tracer tracer(String scope) {
    return otel.getTracer(scope);
  }

  public JobTraces jobTraces() {
    return jobTraces;
  }

  /** Runs {@code start} with the next span's ids forced (a job's stored root context). */
  <T> T withIds(String traceId, String spanId, Supplier<T> start) {
    if (ids == null) {
      return start.get();
    }
    ids.force(traceId, spanId);
    try {
      return start.get();
    } finally {
      ids.clear();
    }
  }

  /** Exports pending spans (tests; shutdown does it too). */
  public void flush() {
    if (tracerProvider != null) {
      tracerProvider.forceFlush().join(10, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() {
    if (tracerProvider != null) {
      tracerProvider.shutdown().join(10, TimeUnit.SECONDS);
    }
    registry.close();
  }
}

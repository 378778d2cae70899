package org.rap.common.telemetry;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.EnumSet;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A process's telemetry: the Prometheus registry behind {@code /metrics} (also fed by Vert.x's own
 * HTTP, pool and JVM metrics when Vert.x is built with {@link #newVertx}) and the OpenTelemetry SDK
 * built by its autoconfiguration from the {@code OTEL_*} settings (a no-op unless {@link
 * TelemetryConfig#tracing()}). Created once per process (or per test) and passed to whoever records
 * something; never a static.
 */
public final class Telemetry implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Telemetry.class.getName());

  private final TelemetryConfig config;
  private final PrometheusMeterRegistry registry;
  private final String registryName = "rap-" + UUID.randomUUID();
  private final OpenTelemetrySdk sdk; // null when tracing is off
  private final OpenTelemetry otel;
  private final ForcedIds ids;
  private final JobTraces jobTraces;

  private Telemetry(TelemetryConfig config) {
    this.config = config;
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("rap_service", config.service());
    registry.config().meterFilter(new LatencyBuckets());
    // Prometheus base units only: the JVM binders' milli- and nanosecond totals are left out
    // (jvm_gc_pause_seconds and process_cpu_usage cover the same ground)
    registry
        .config()
        .meterFilter(
            MeterFilter.deny(id -> "ms".equals(id.getBaseUnit()) || "ns".equals(id.getBaseUnit())));
    Traced traced = config.tracing() ? sdk(config) : null;
    if (traced != null) {
      ids = traced.ids();
      sdk = traced.sdk();
      otel = sdk;
    } else {
      ids = null;
      this.sdk = null;
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

  /**
   * The SDK from the standard {@code OTEL_*} settings (the SDK's autoconfiguration), with RAP's
   * resource attributes and id generator as customisers. Null when it cannot be built: tracing
   * never stops a service, which then runs without it.
   */
  private record Traced(OpenTelemetrySdk sdk, ForcedIds ids) {}

  private static Traced sdk(TelemetryConfig c) {
    ForcedIds ids = new ForcedIds();
    Map<String, String> properties = c.sdkProperties();
    try {
      OpenTelemetrySdk sdk =
          AutoConfiguredOpenTelemetrySdk.builder()
              .addPropertiesSupplier(() -> properties)
              .addResourceCustomizer((resource, props) -> resource(c).merge(resource))
              .addTracerProviderCustomizer((builder, props) -> builder.setIdGenerator(ids))
              .disableShutdownHook()
              .build()
              .getOpenTelemetrySdk();
      return new Traced(sdk, ids);
    } catch (RuntimeException e) {
      LOG.log(
          Level.SEVERE,
          "Tracing disabled, the OpenTelemetry settings are unusable: " + e.getMessage());
      return null;
    }
  }

  /**
   * RAP's resource attributes; those of {@code OTEL_RESOURCE_ATTRIBUTES} and {@code
   * OTEL_SERVICE_NAME} win.
   */
  static Resource resource(TelemetryConfig c) {
    return Resource.create(
        Attributes.builder()
            .put(AttributeKey.stringKey("service.name"), c.serviceName())
            .put(AttributeKey.stringKey("service.namespace"), c.backend())
            .put(AttributeKey.stringKey("service.version"), c.version())
            .put(AttributeKey.stringKey("rap.service"), c.service())
            .put(AttributeKey.stringKey("rap.backend"), c.backend())
            .build());
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
    return sdk != null;
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
    if (sdk != null) {
      sdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() {
    if (sdk != null) {
      sdk.shutdown().join(10, TimeUnit.SECONDS);
    }
    registry.close();
  }
}

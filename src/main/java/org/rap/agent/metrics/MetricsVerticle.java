package org.rap.agent.metrics;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.agent.bus.AgentAddresses;
import org.rap.agent.bus.LocalMessages;
import org.rap.agent.telemetry.AgentSpans;

/**
 * Collects per-job CPU and memory every {@code STATS_POLL_INTERVAL} (docs/spec/observability.md
 * section 1): samples the job containers the executor reported running ({@link
 * AgentAddresses#runStarted}, until {@link AgentAddresses#runStopped}) concurrently on a small
 * dedicated worker pool (a stats call takes about a second), aggregates per job and persists to the
 * {@link MetricsStore}; answers the executor's requests for a job's aggregates at finalize ({@link
 * AgentAddresses#jobMetrics}). A failing tick is logged ("Exception in mtrc thread") and the next
 * one runs after the interval (sleep = max(2 s, interval − time spent)).
 */
public final class MetricsVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(MetricsVerticle.class.getName());
  private static final Duration MIN_SLEEP = Duration.ofSeconds(2);

  /** One sample of a running job from the container runtime; blocking. */
  @FunctionalInterface
  public interface JobSampler {
    /** Empty when the job no longer runs. */
    Optional<ContainerSample> sample(RunningJob job) throws Exception;
  }

  private final JobSampler sampler;
  private final MetricsStore store;
  private final Duration interval;
  private final int parallelism;
  private final ContainerGauges gauges;
  private final AgentAddresses addresses;
  private final Map<String, RunningJob> running = new ConcurrentHashMap<>();
  private final List<MessageConsumer<Object>> consumers = new ArrayList<>();
  private WorkerExecutor workers;
  private long lastTickMs;
  private long timerId = -1;
  private volatile boolean stopped;
  private Future<Void> current = Future.succeededFuture();
  private AgentSpans spans = AgentSpans.none();

  /**
   * @param gauges where each tick is published for Prometheus (may be null)
   */
  public MetricsVerticle(
      JobSampler sampler,
      MetricsStore store,
      Duration interval,
      int parallelism,
      ContainerGauges gauges,
      AgentAddresses addresses) {
    this.sampler = sampler;
    this.store = store;
    this.interval = interval;
    this.parallelism = Math.max(1, parallelism);
    this.gauges = gauges;
    this.addresses = addresses;
  }

  /** Each tick also traced as the job-runner's METRICS_TICK span. */
  public MetricsVerticle traced(AgentSpans agentSpans) {
    this.spans = agentSpans;
    return this;
  }

  @Override
  public Future<?> start() {
    LocalMessages.register(vertx);
    workers = vertx.createSharedWorkerExecutor("rap-metrics", parallelism);
    consumers.add(
        vertx
            .eventBus()
            .consumer(
                addresses.runStarted(),
                m -> {
                  RunningJob job = (RunningJob) m.body();
                  running.put(job.jobId(), job);
                }));
    consumers.add(
        vertx.eventBus().consumer(addresses.runStopped(), m -> running.remove((String) m.body())));
    // the store is read on the default worker pool: never behind the slow stats calls
    consumers.add(
        LocalMessages.<String>serve(
            vertx,
            addresses.jobMetrics(),
            jobId -> vertx.executeBlocking(() -> store.get(jobId), false)));
    lastTickMs = System.currentTimeMillis();
    schedule(interval);
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  private void schedule(Duration delay) {
    if (!stopped) {
      timerId = vertx.setTimer(Math.max(1, delay.toMillis()), id -> runTick());
    }
  }

  private void runTick() {
    long started = System.currentTimeMillis();
    tick()
        .onComplete(
            ar -> {
              if (ar.failed()) {
                LOG.log(Level.WARNING, "Exception in mtrc thread: " + ar.cause(), ar.cause());
              }
              long spent = System.currentTimeMillis() - started;
              schedule(
                  Duration.ofMillis(Math.max(MIN_SLEEP.toMillis(), interval.toMillis() - spent)));
            });
  }

  /** The jobs reported running and not yet stopped. */
  public List<RunningJob> running() {
    return List.copyOf(running.values());
  }

  /** One collection round (also used by tests). */
  public Future<Void> tick() {
    long nowMs = System.currentTimeMillis();
    long durationS = Math.max(0, (nowMs - lastTickMs) / 1000);
    long fromMs = lastTickMs;
    lastTickMs = nowMs;
    List<AgentSpans.JobSample> traced = new ArrayList<>();
    List<RunningJob> jobs = running();
    List<Future<Optional<ContainerSample>>> samples = new ArrayList<>();
    for (RunningJob job : jobs) {
      samples.add(workers.executeBlocking(() -> sampler.sample(job), false));
    }
    Future<Void> f =
        Future.join(samples)
            .otherwise(x -> null)
            .compose(
                v -> {
                  publish(jobs.size(), samples);
                  return workers.executeBlocking(
                      () -> {
                        for (Future<Optional<ContainerSample>> s : samples) {
                          if (s.failed()) {
                            LOG.fine("stats failed: " + s.cause());
                          } else if (s.result().isPresent()) {
                            JsonObject m = record(s.result().get(), durationS, nowMs);
                            if (m != null && spans.tracing()) {
                              traced.add(
                                  new AgentSpans.JobSample(s.result().get().jobId(), m.getMap()));
                            }
                          }
                        }
                        return null;
                      },
                      false);
                });
    f.onComplete(
        ar ->
            spans.metricsTick(
                fromMs,
                System.currentTimeMillis(),
                ar.failed(),
                ar.failed() ? String.valueOf(ar.cause()) : null,
                traced));
    current = f;
    return f;
  }

  private void publish(int containers, List<Future<Optional<ContainerSample>>> samples) {
    if (gauges == null) {
      return;
    }
    List<ContainerSample> ok = new ArrayList<>();
    for (Future<Optional<ContainerSample>> s : samples) {
      if (s.succeeded() && s.result().isPresent()) {
        ok.add(s.result().get());
      }
    }
    gauges.update(containers, ok);
  }

  /** Updates the job's aggregates; returns them (null for a container that just started). */
  private JsonObject record(ContainerSample s, long durationS, long nowMs) throws Exception {
    double runtime = nowMs / 1000.0 - s.createdAtEpochSeconds();
    if (runtime <= 0) {
      return null;
    }
    JsonObject updated = JobMetrics.update(store.get(s.jobId()), s, durationS, runtime);
    store.put(s.jobId(), updated);
    return updated;
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    Future<Void> last = current.otherwiseEmpty();
    return last.compose(
            v -> Future.join(consumers.stream().map(MessageConsumer::unregister).toList()))
        .otherwiseEmpty()
        .eventually(() -> workers == null ? Future.succeededFuture() : workers.close());
  }
}

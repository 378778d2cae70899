package org.rap.controller.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.telemetry.GaugeRows;
import org.rap.common.telemetry.Telemetry;

/**
 * The scheduler's metrics, computed from what each pass reads anyway: active jobs by backend and
 * state ({@code rap_jobs}), the wait of the oldest pending job per backend ({@code
 * rap_queue_age_seconds}), tasks created for agents ({@code rap_tasks_dispatched_total}) and
 * status-code changes ({@code rap_job_status_changes_total}, which also feed the job traces).
 * Metric failures are logged, never thrown.
 */
public final class ControllerMeters {
  private static final Logger LOG = Logger.getLogger(ControllerMeters.class.getName());
  private final Telemetry telemetry;
  private final MeterRegistry registry;
  private final List<String> backends;
  private final GaugeRows jobs;
  private final GaugeRows queueAge;
  private final GaugeRows byStatusCode;
  private final GaugeRows lastSeen;

  public ControllerMeters(Telemetry telemetry, List<String> backends) {
    this.telemetry = telemetry;
    this.registry = telemetry.meters();
    this.backends = List.copyOf(backends);
    this.jobs =
        new GaugeRows(
            MultiGauge.builder("rap.jobs")
                .description("Active jobs by backend and state, as of the last scheduler pass")
                .register(registry));
    this.queueAge =
        new GaugeRows(
            MultiGauge.builder("rap.queue.age")
                .baseUnit("seconds")
                .description(
                    "How long the oldest pending job of each backend has waited, as of the last scheduler pass")
                .register(registry));
    this.byStatusCode =
        new GaugeRows(
            MultiGauge.builder("rap.jobs.by.status.code")
                .description(
                    "Active jobs by backend and status code, as the last scheduler pass read them")
                .register(registry));
    this.lastSeen =
        new GaugeRows(
            MultiGauge.builder("rap.agent.last.seen.timestamp")
                .baseUnit("seconds")
                .description(
                    "When each backend's agent last polled the task API (Unix time, 0: never seen)")
                .register(registry));
    passCompleted(List.of(), Map.of(), 0);
    agentsSeen(b -> null);
    // present from the start, so that dashboards and alerts find it before the first error
    Counter.builder("rap.scheduler.job.errors")
        .description("Jobs whose handling failed in a scheduler pass (retried with backoff)")
        .register(registry);
  }

  /**
   * After a pass over {@code active} (the jobs as the pass read them), counting each job in the
   * state the pass decided for it ({@code decided}, where present).
   */
  public void passCompleted(List<Job> active, Map<String, State> decided, long nowNs) {
    Map<String, long[]> counts = new HashMap<>(); // backend -> [pending, running]
    Map<String, Long> oldest = new HashMap<>();
    Map<String, Map<StatusCode, Long>> codes = new HashMap<>();
    for (Job j : active) {
      long[] c = counts.computeIfAbsent(j.backend(), b -> new long[2]);
      codes
          .computeIfAbsent(j.backend(), b -> new EnumMap<>(StatusCode.class))
          .merge(j.statusCode(), 1L, Long::sum);
      State state = decided.getOrDefault(j.id(), j.state());
      if (state == State.RUNNING) {
        c[1]++;
      } else if (state == State.PENDING) {
        c[0]++;
        oldest.merge(j.backend(), j.createdAt(), Math::min);
      }
    }
    activeJobs(counts, codes, oldest, nowNs);
  }

  /**
   * The active-job gauges from counts kept elsewhere (the scheduler keeps them as jobs change).
   *
   * @param counts per backend: [pending, running]
   * @param codes per backend: jobs per status code
   * @param oldestPending per backend: the creation time of the oldest pending job (seconds)
   */
  public void activeJobs(
      Map<String, long[]> counts,
      Map<String, Map<StatusCode, Long>> codes,
      Map<String, Long> oldestPending,
      long nowNs) {
    try {
      Map<Tags, Long> codeRows = new HashMap<>();
      codes.forEach(
          (b, byCode) ->
              byCode.forEach(
                  (code, n) -> {
                    if (n > 0) {
                      codeRows.put(Tags.of("backend", b, "status_code", code.value()), n);
                    }
                  }));
      Map<Tags, Long> jobRows = new HashMap<>();
      Map<Tags, Long> ageRows = new HashMap<>();
      long nowS = nowNs / 1_000_000_000L;
      Set<String> all = new HashSet<>(backends);
      all.addAll(counts.keySet());
      for (String b : all) {
        long[] c = counts.getOrDefault(b, new long[2]);
        jobRows.put(Tags.of("backend", b, "state", State.PENDING.value()), c[0]);
        jobRows.put(Tags.of("backend", b, "state", State.RUNNING.value()), c[1]);
        Long first = oldestPending.get(b);
        ageRows.put(Tags.of("backend", b), first == null ? 0 : Math.max(0, nowS - first));
      }
      jobs.set(jobRows);
      byStatusCode.set(codeRows);
      queueAge.set(ageRows);
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "metrics: " + e, e);
    }
  }

  /**
   * When each backend's agent last polled the task API ({@code
   * rap_agent_last_seen_timestamp_seconds{backend}}, Unix time; 0 when never seen), from the {@code
   * last-seen-at} values a pass read ({@code lastSeenAt} gives a backend's, or null).
   */
  public void agentsSeen(Function<String, String> lastSeenAt) {
    try {
      Map<Tags, Double> rows = new HashMap<>();
      for (String b : backends) {
        String iso = lastSeenAt.apply(b);
        double seconds = 0;
        if (iso != null && !iso.isEmpty()) {
          try {
            Instant t = OffsetDateTime.parse(iso).toInstant();
            seconds = t.getEpochSecond() + t.getNano() / 1e9;
          } catch (DateTimeParseException e) {
            LOG.fine("metrics: unreadable last-seen-at of " + b + ": " + iso);
          }
        }
        rows.put(Tags.of("backend", b), seconds);
      }
      lastSeen.set(rows);
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "metrics: " + e, e);
    }
  }

  /** A task was created for the agents of {@code backend}. */
  public void taskCreated(String backend, String taskId) {
    String taskType =
        taskId.endsWith("-cancel")
            ? "canceljob"
            : taskId.startsWith("dbstatus-")
                ? "dbstatus"
                : taskId.startsWith("dbdatacheck-") ? "dbdatacheck" : "runjob";
    try {
      Counter.builder("rap.tasks.dispatched")
          .description("Tasks created for agents")
          .tags("backend", backend, "task_type", taskType)
          .register(registry)
          .increment();
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "metrics: " + e, e);
    }
  }

  /**
   * A stored status-code change: counted and traced.
   *
   * @param results the RUNJOB results that decided it, or null
   */
  public void statusChanged(Job before, Job after, JsonObject results) {
    if (before.statusCode() == after.statusCode()) {
      return;
    }
    try {
      Counter.builder("rap.job.status.changes")
          .description("Status-code changes by backend and new status code")
          .tags("backend", after.backend(), "status_code", after.statusCode().value())
          .register(registry)
          .increment();
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "metrics: " + e, e);
    }
    telemetry.jobTraces().statusChanged(before, after, results);
  }
}

package org.rap.agent.telemetry;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.agent.poller.UpdateSink;
import org.rap.common.tasks.AgentTask;
import org.rap.common.tasks.TaskUpdate;
import org.rap.common.telemetry.JobTraces;
import org.rap.common.telemetry.Telemetry;

/**
 * The job-runner's agent spans (docs/spec/observability.md section 5), on this agent's handling
 * model: {@code AGENT_LOOP} for a round of handlings (a poll's, or the wake-ups between polls) with
 * {@code handled_tasks} and {@code errored_tasks}, and one {@code LOOP_TASK} child per task
 * handling with the task, job and result attributes, {@code initial_job_status} and {@code
 * final_job_status} (the first and last stage the handling reported), {@code complete} and {@code
 * fatal_task_error}. A job task's span links to the job's trace when the controller sent its {@code
 * traceparent} among the task attributes. The reported stages and results are taken from the
 * updates on their way to the controller ({@link #sink}), so the handlers need no tracing code.
 * Never on spans: output file names or patterns (the results sent are already redacted). Tracing
 * failures are logged, never thrown.
 */
public final class AgentSpans {
  private static final Logger LOG = Logger.getLogger(AgentSpans.class.getName());
  private static final long NS = 1_000_000_000L;

  /** Result keys copied onto {@code LOOP_TASK} (agent-executor.md section 10), by attribute. */
  private static final Map<String, String> RESULTS =
      Map.of(
          "exit_code", "exit_code",
          "image_id", "docker_image_id",
          "executor_message", "status_message",
          "action_version", "action_version",
          "action_revision", "action_revision",
          "action_created", "action_created",
          "base_revision", "base_revision",
          "base_created", "base_created",
          "cancelled", "cancelled");

  private final Telemetry telemetry;
  private final Tracer tracer;
  private final String backend;

  /** Per task id: the updates its running handling has reported. */
  private final Map<String, Reported> reported = new ConcurrentHashMap<>();

  /** Per job id: the attributes of the last task handled for it (for the metrics spans). */
  private final Map<String, Attributes> jobAttributes = new ConcurrentHashMap<>();

  private static final class Reported {
    volatile String first;
    volatile TaskUpdate last;
  }

  /** A round of handlings: the {@code AGENT_LOOP} span and its counts. */
  public static final class Round {
    private final Span span;
    private int started;
    private int finished;
    private int errored;
    private boolean closed;

    private Round(Span span) {
      this.span = span;
    }
  }

  public AgentSpans(Telemetry telemetry, String backend) {
    this.telemetry = telemetry;
    this.tracer = telemetry.tracer("agent_loop");
    this.backend = backend;
  }

  /** No spans (tests, and agents without tracing). */
  public static AgentSpans none() {
    return new AgentSpans(Telemetry.none(), "unknown");
  }

  public boolean tracing() {
    return telemetry.tracing();
  }

  /** Updates pass through, remembered for the span of the handling that sends them. */
  public UpdateSink sink(UpdateSink next) {
    return update -> {
      Reported r = reported.get(update.taskId());
      if (r != null) {
        if (r.first == null) {
          r.first = update.stage();
        }
        r.last = update;
      }
      return next.post(update);
    };
  }

  /** Starts a round; {@link #close} ends it once its handlings are done. */
  public Round round() {
    if (!telemetry.tracing()) {
      return new Round(Span.getInvalid());
    }
    return new Round(tracer.spanBuilder("AGENT_LOOP").setNoParent().startSpan());
  }

  /** No more handlings join the round: it ends when those started finish (now, if none). */
  public synchronized void close(Round round) {
    round.closed = true;
    endIfDone(round);
  }

  private void endIfDone(Round round) {
    if (round.closed && round.finished == round.started && round.span.getSpanContext().isValid()) {
      round.span.setAttribute("handled_tasks", round.started);
      round.span.setAttribute("errored_tasks", round.errored);
      round.span.end();
    }
  }

  /** Runs one task handling inside a {@code LOOP_TASK} span of {@code round}. */
  public <T> Future<T> task(Round round, AgentTask task, Supplier<Future<T>> handling) {
    if (!telemetry.tracing()) {
      return handling.get();
    }
    Span span;
    Reported r = new Reported();
    try {
      AttributesBuilder a = taskAttributes(task);
      AttributesBuilder job = jobAttributes(task.definition());
      Attributes jobAttrs = job.build();
      a.putAll(jobAttrs);
      var b =
          tracer
              .spanBuilder("LOOP_TASK")
              .setParent(Context.root().with(round.span))
              .setAllAttributes(a.build());
      Object tp = task.attributes().getValue("traceparent");
      JobTraces.rootContext(tp == null ? null : Map.of("traceparent", String.valueOf(tp)))
          .ifPresent(c -> b.addLink(c, Attributes.empty()));
      span = b.startSpan();
      String jobId = task.definition().getString("id");
      if (jobId != null) {
        jobAttributes.put(jobId, a.build());
      }
      reported.put(task.id(), r);
      synchronized (this) {
        round.started++;
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Could not start the LOOP_TASK span of task " + task.id(), e);
      return handling.get();
    }
    Future<T> f;
    try {
      f = handling.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    return f.andThen(
        ar -> {
          try {
            reported.remove(task.id(), r);
            TaskUpdate last = r.last;
            if (r.first != null) {
              span.setAttribute("initial_job_status", r.first);
            }
            if (last != null) {
              span.setAttribute("final_job_status", last.stage());
              span.setAttribute("complete", last.complete());
              span.setAttribute("fatal_task_error", "error".equals(last.stage()));
              results(span, last.results());
            }
            if (ar.failed()) {
              span.setAttribute("fatal_task_error", false);
              span.setAttribute("error", String.valueOf(ar.cause().getMessage()));
              span.setStatus(StatusCode.ERROR, String.valueOf(ar.cause().getMessage()));
            }
            span.end();
          } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Could not end the LOOP_TASK span of task " + task.id(), e);
          } finally {
            synchronized (this) {
              round.finished++;
              if (ar.failed()) {
                round.errored++;
              }
              endIfDone(round);
            }
          }
        });
  }

  private AttributesBuilder taskAttributes(AgentTask task) {
    AttributesBuilder a =
        Attributes.builder()
            .put("backend", task.backend().isEmpty() ? backend : task.backend())
            .put("task", task.id())
            .put("task_type", task.type().name())
            .put("task_created_at", task.createdAt() * NS);
    task.attributes()
        .forEach(
            e -> {
              if (!e.getKey().equals("traceparent") && e.getValue() != null) {
                put(a, e.getKey(), e.getValue());
              }
            });
    return a;
  }

  /** The job attributes of a job task's definition (none for DB tasks). */
  static AttributesBuilder jobAttributes(JsonObject d) {
    AttributesBuilder a = Attributes.builder();
    if (d.getString("id") == null) {
      String image = d.getString("image");
      if (image != null) {
        a.put("agent.db-image", image);
        put(a, "agent.db-image_id", d.getValue("image_sha"));
      }
      return a;
    }
    JsonObject study = d.getJsonObject("study", new JsonObject());
    a.put("job", d.getString("id"));
    put(a, "job_request", d.getValue("rap_id"));
    put(a, "workspace", d.getValue("workspace"));
    put(a, "repo_url", study.getString("git_repo_url", d.getString("repo_url", "")));
    put(a, "commit", study.getString("commit", d.getString("commit", "")));
    put(a, "action", d.getValue("action"));
    a.put("job_created_at", d.getLong("created_at", 0L) * NS);
    put(a, "image", d.getValue("image"));
    a.put("args", joined(d.getJsonArray("args")));
    a.put("input_job_ids", joined(d.getJsonArray("input_job_ids")));
    a.put("allow_database_access", d.getBoolean("allow_database_access", false));
    put(a, "cpu_count", d.getValue("cpu_count"));
    put(a, "memory_limit", d.getValue("memory_limit"));
    return a;
  }

  private static void results(Span span, JsonObject results) {
    if (results == null) {
      return;
    }
    RESULTS.forEach(
        (attr, key) -> {
          Object v = results.getValue(key);
          if (v instanceof Boolean bool) {
            span.setAttribute(attr, bool);
          } else if (v instanceof Number n && !(v instanceof Double || v instanceof Float)) {
            span.setAttribute(attr, n.longValue());
          } else if (v != null) {
            span.setAttribute(attr, String.valueOf(v));
          }
        });
    Object status = results.getValue("status");
    if (status != null) {
      span.setAttribute(
          "agent.db-maintenance",
          String.valueOf(status).toLowerCase(Locale.ROOT).startsWith("db-maintenance"));
    }
    Object error = results.getValue("error");
    if (error instanceof JsonObject e && !e.isEmpty()) {
      span.setAttribute("error", e.getString("message", e.encode()));
    }
  }

  /**
   * The {@code METRICS_TICK} span of one metrics round (previous tick to now) with a {@code
   * METRICS} child per sampled job: the raw sample, the aggregates and the attributes of the job's
   * last task ({@code task=unknown} when this agent has handled none).
   */
  public void metricsTick(
      long fromMs, long toMs, boolean statsError, String error, List<JobSample> samples) {
    if (!telemetry.tracing()) {
      return;
    }
    try {
      Tracer t = telemetry.tracer("metrics");
      Span root =
          t.spanBuilder("METRICS_TICK")
              .setNoParent()
              .setStartTimestamp(fromMs, TimeUnit.MILLISECONDS)
              .setAttribute("backend", backend)
              .setAttribute("stats_timeout", false)
              .setAttribute("stats_error", statsError)
              .startSpan();
      if (statsError) {
        root.addEvent(
            "stats_error", Attributes.builder().put("error", String.valueOf(error)).build());
      }
      Context parent = Context.root().with(root);
      for (JobSample s : samples) {
        Attributes known = jobAttributes.get(s.jobId());
        AttributesBuilder a = Attributes.builder();
        if (known != null) {
          a.putAll(known);
        } else {
          a.put("job", s.jobId()).put("task", "unknown");
        }
        s.values().forEach((k, v) -> put(a, k, v));
        t.spanBuilder("METRICS")
            .setParent(parent)
            .setStartTimestamp(fromMs, TimeUnit.MILLISECONDS)
            .setAllAttributes(a.build())
            .startSpan()
            .end(toMs, TimeUnit.MILLISECONDS);
      }
      root.end(toMs, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Could not record the metrics spans", e);
    }
  }

  /** One job's sample and aggregates for {@link #metricsTick}. */
  public record JobSample(String jobId, Map<String, Object> values) {}

  private static String joined(JsonArray a) {
    if (a == null) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    for (Object o : a) {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(o);
    }
    return b.toString();
  }

  private static void put(AttributesBuilder a, String key, Object v) {
    if (v instanceof Boolean b) {
      a.put(key, b);
    } else if (v instanceof Double || v instanceof Float) {
      a.put(key, ((Number) v).doubleValue());
    } else if (v instanceof Number n) {
      a.put(key, n.longValue());
    } else if (v != null) {
      a.put(key, String.valueOf(v));
    }
  }
}

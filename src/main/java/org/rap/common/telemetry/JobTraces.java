package org.rap.common.telemetry;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.rap.common.model.Job;

/**
 * The reference's job trace model (docs/spec/observability.md section 3). The root {@code JOB}
 * span's context is stored in {@code trace_context} at creation; each status-code change emits a
 * span named after the code left (child of the root); a final code adds a 1 s span named after it
 * with {@code job.succeeded} and then the root span itself (start = created_at - 1 us). Only {@code
 * internal_error} marks spans as errors. Tracing failures are logged, never thrown.
 */
public final class JobTraces {
  private static final Logger LOG = Logger.getLogger(JobTraces.class.getName());
  private static final long ONE_SECOND_NS = 1_000_000_000L;

  private final Telemetry telemetry;
  private final Tracer tracer;

  JobTraces(Telemetry telemetry) {
    this.telemetry = telemetry;
    this.tracer = telemetry.tracer("jobs");
  }

  /** The W3C context of a stored {@code {"traceparent": "00-<trace>-<span>-01"}}. */
  public static Optional<SpanContext> rootContext(Map<String, String> traceContext) {
    String tp = traceContext == null ? null : traceContext.get("traceparent");
    if (tp == null) {
      return Optional.empty();
    }
    String[] parts = tp.split("-");
    if (parts.length != 4 || !TraceId.isValid(parts[1]) || !SpanId.isValid(parts[2])) {
      return Optional.empty();
    }
    return Optional.of(
        SpanContext.createFromRemoteParent(
            parts[1], parts[2], TraceFlags.getSampled(), TraceState.getDefault()));
  }

  /** Records one stored status-code change of a job (no-op without tracing or without a change). */
  public void statusChanged(Job before, Job after) {
    statusChanged(before, after, null);
  }

  /**
   * As {@link #statusChanged(Job, Job)}; {@code results} (the agent's RUNJOB results, or null) add
   * {@code job.exit_code}, {@code job.image_id}, {@code job.executor_message} and the image label
   * fields to the final span and the root span (never file names or patterns).
   */
  public void statusChanged(Job before, Job after, JsonObject results) {
    if (!telemetry.tracing() || before.statusCode() == after.statusCode()) {
      return;
    }
    try {
      emit(before, after, results);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Could not record the trace of job " + after.id(), e);
    }
  }

  private void emit(Job before, Job after, JsonObject results) {
    Optional<SpanContext> root = rootContext(after.traceContext());
    if (root.isEmpty()) {
      return;
    }
    Context parent = Context.root().with(Span.wrap(root.get()));
    long start = before.statusCodeUpdatedAt();
    long end = Math.max(after.statusCodeUpdatedAt(), start);
    span(before.statusCode().name(), parent, start, end, attributes(before).build(), false);
    if (!after.statusCode().isFinal()) {
      return;
    }
    boolean error = after.statusCode() == org.rap.common.model.StatusCode.INTERNAL_ERROR;
    Attributes finalAttrs =
        withResults(attributes(after), results)
            .put("job.succeeded", after.statusCode() == org.rap.common.model.StatusCode.SUCCEEDED)
            .build();
    span(after.statusCode().name(), parent, end, end + ONE_SECOND_NS, finalAttrs, error);
    SpanContext ctx = root.get();
    long rootStart = after.createdAt() * ONE_SECOND_NS - 1_000L;
    Span job =
        telemetry.withIds(
            ctx.getTraceId(),
            ctx.getSpanId(),
            () ->
                tracer
                    .spanBuilder("JOB")
                    .setNoParent()
                    .setStartTimestamp(rootStart, TimeUnit.NANOSECONDS)
                    .setAllAttributes(withResults(attributes(after), results).build())
                    .startSpan());
    if (error) {
      job.setStatus(StatusCode.ERROR, after.statusMessage() == null ? "" : after.statusMessage());
    }
    job.end(Math.max(end, rootStart), TimeUnit.NANOSECONDS);
  }

  private void span(
      String name, Context parent, long start, long end, Attributes attrs, boolean error) {
    Span s =
        tracer
            .spanBuilder(name)
            .setParent(parent)
            .setStartTimestamp(start, TimeUnit.NANOSECONDS)
            .setAllAttributes(attrs)
            .startSpan();
    if (error) {
      s.setStatus(StatusCode.ERROR);
    }
    s.end(end, TimeUnit.NANOSECONDS);
  }

  /** The job attributes of section 3 (never output names or patterns). */
  public static AttributesBuilder attributes(Job job) {
    AttributesBuilder a = Attributes.builder();
    put(a, "rap.backend", job.backend());
    put(a, "job.backend", job.backend());
    put(a, "job.id", job.id());
    put(a, "job.request", job.rapId());
    put(a, "job.workspace", job.workspace());
    put(a, "job.action", job.action());
    put(a, "job.commit", job.commit());
    put(a, "job.run_command", job.runCommand());
    put(a, "job.user", job.user());
    put(a, "job.project", job.project());
    put(a, "job.orgs", String.join(",", job.orgs()));
    put(a, "job.state", job.state() == null ? null : job.state().value());
    put(a, "job.status_code", job.statusCode() == null ? null : job.statusCode().value());
    put(a, "job.message", job.statusMessage());
    a.put("job.created_at", job.createdAt() * ONE_SECOND_NS);
    if (job.startedAt() != null) {
      a.put("job.started_at", job.startedAt() * ONE_SECOND_NS);
    }
    a.put("job.status_code_updated_at", job.statusCodeUpdatedAt());
    a.put("job.requires_db", job.requiresDb());
    if (job.actionRepoUrl() != null && !job.actionRepoUrl().isEmpty()) {
      put(
          a,
          "job.reusable_action",
          job.actionRepoUrl() + (job.actionCommit() == null ? "" : ":" + job.actionCommit()));
    }
    if (job.analysisScope() != null) {
      job.analysisScope()
          .forEach(
              (k, v) ->
                  put(
                      a,
                      "job.analysis_scope." + k,
                      v instanceof Collection<?> c
                          ? c.stream().map(String::valueOf).collect(Collectors.joining(","))
                          : String.valueOf(v)));
    }
    return a;
  }

  private static final Map<String, String> RESULT_KEYS =
      Map.of(
          "exit_code", "job.exit_code",
          "image_id", "job.image_id",
          "message", "job.executor_message",
          "action_version", "job.action_version",
          "action_revision", "job.action_revision",
          "action_created", "job.action_created",
          "base_revision", "job.base_revision",
          "base_created", "job.base_created");

  private static AttributesBuilder withResults(AttributesBuilder a, JsonObject results) {
    if (results == null) {
      return a;
    }
    RESULT_KEYS.forEach(
        (key, attr) -> {
          Object v = results.getValue(key);
          if (v instanceof Number n && !(v instanceof Double || v instanceof Float)) {
            a.put(attr, n.longValue());
          } else if (v instanceof Boolean b) {
            a.put(attr, b);
          } else if (v != null) {
            a.put(attr, String.valueOf(v));
          }
        });
    return a;
  }

  private static void put(AttributesBuilder a, String key, String value) {
    if (value != null) {
      a.put(key, value);
    }
  }
}

package org.rap.controller.telemetry;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.common.telemetry.JobTraces;
import org.rap.common.telemetry.Telemetry;

/**
 * The job-runner's {@code LOOP_JOB} spans (docs/spec/observability.md section 4): one per job a
 * scheduler pass considers, a child of the pass's {@code LOOP} span (which the scheduler verticle
 * keeps in its Vert.x context under {@link #PARENT_KEY} while the pass runs), with the job
 * attributes, {@code job.initial_state}/{@code job.initial_code}, {@code job.final_state}/{@code
 * job.final_code} (enum names, as the job-runner records them), {@code job.fatal_error} when the
 * handling failed and {@code fatal_job_error} when an agent-reported error was decided. Each span
 * links to the job's own trace ({@code trace_context}), so a job's trace leads to every pass that
 * handled it. Tracing failures are logged, never thrown.
 */
public final class LoopJobSpans {
  /** Vert.x context key of the running pass's {@code LOOP} span. */
  public static final String PARENT_KEY = "rap.loop.span";

  private static final Logger LOG = Logger.getLogger(LoopJobSpans.class.getName());
  private final Telemetry telemetry;
  private final Tracer tracer;

  public LoopJobSpans(Telemetry telemetry) {
    this.telemetry = telemetry;
    this.tracer = telemetry.tracer("loop");
  }

  /**
   * One job's handling in a pass.
   *
   * @param after the job as the pass decided it (null when the handling failed)
   * @param failure why the handling failed, or null
   * @param startNs when the handling began (epoch ns)
   */
  public void record(Job before, Job after, Throwable failure, long startNs, long endNs) {
    if (!telemetry.tracing()) {
      return;
    }
    try {
      SpanBuilder b =
          tracer
              .spanBuilder("LOOP_JOB")
              .setStartTimestamp(startNs, TimeUnit.NANOSECONDS)
              .setAllAttributes(JobTraces.attributes(before).build())
              .setAttribute("job.initial_state", before.state().name())
              .setAttribute("job.initial_code", before.statusCode().name());
      var vc = Vertx.currentContext();
      Object loop = vc == null ? null : vc.get(PARENT_KEY);
      if (loop instanceof Span parent) {
        b.setParent(Context.root().with(parent));
      } else {
        b.setNoParent();
      }
      JobTraces.rootContext(before.traceContext()).ifPresent(c -> b.addLink(c, Attributes.empty()));
      Span span = b.startSpan();
      if (failure != null) {
        span.setAttribute("job.fatal_error", true);
        span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
      } else if (after != null) {
        span.setAttribute("job.final_state", after.state().name());
        span.setAttribute("job.final_code", after.statusCode().name());
        switch (after.statusCode()) {
          case JOB_ERROR -> span.setAttribute("fatal_job_error", true);
          case WAITING_ON_NEW_TASK -> span.setAttribute("fatal_job_error", false);
          default -> {}
        }
        if (after.state() == State.FAILED && after.statusCode().name().equals("INTERNAL_ERROR")) {
          span.setStatus(StatusCode.ERROR);
        }
      }
      span.end(Math.max(endNs, startNs), TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Could not record the LOOP_JOB span of job " + before.id(), e);
    }
  }
}

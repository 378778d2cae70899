package org.rap.common.telemetry;

import io.opentelemetry.sdk.trace.IdGenerator;

/**
 * Random ids, except that a span can be started with ids chosen in advance (a job's root span uses
 * the trace and span id stored in {@code trace_context} at creation). The override is per thread
 * and lasts for one span start.
 */
final class ForcedIds implements IdGenerator {
  private final IdGenerator random = IdGenerator.random();
  private final ThreadLocal<String[]> forced = new ThreadLocal<>();

  void force(String traceId, String spanId) {
    forced.set(new String[] {traceId, spanId});
  }

  void clear() {
    forced.remove();
  }

  @Override
  public String generateSpanId() {
    String[] f = forced.get();
    return f != null ? f[1] : random.generateSpanId();
  }

  @Override
  public String generateTraceId() {
    String[] f = forced.get();
    return f != null ? f[0] : random.generateTraceId();
  }
}

package org.rap.controller.planning;

import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceId;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * W3C trace-context carriers for jobs' root spans: {@code 00-<32 hex>-<16 hex>-01}, with
 * OpenTelemetry trace and span ids (the root span is emitted with exactly these ids when the job
 * finishes, see {@code org.rap.common.telemetry.JobTraces}).
 */
final class TraceContexts {
  private TraceContexts() {}

  static Map<String, String> newRoot(RandomGenerator random) {
    byte[] trace = nonZero(random, 16);
    byte[] span = nonZero(random, 8);
    return Map.of(
        "traceparent", "00-" + TraceId.fromBytes(trace) + "-" + SpanId.fromBytes(span) + "-01");
  }

  /** All-zero ids are invalid in W3C trace context. */
  private static byte[] nonZero(RandomGenerator random, int n) {
    byte[] b = new byte[n];
    do {
      random.nextBytes(b);
    } while (isZero(b));
    return b;
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }
}

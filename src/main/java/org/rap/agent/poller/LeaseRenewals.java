package org.rap.agent.poller;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * When the controller last accepted an update of each task this agent holds. An accepted update
 * renews the task's lease (docs/spec/task-api.md section 8.2), so a lease renewed less than {@link
 * #FRESH} ago is still held: no lease is shorter than one second ({@code TASK_LEASE_SECONDS} is at
 * least 1), and half of that leaves the rest as margin. A step that may only run under a confirmed
 * lease (starting a run, filing outputs) then need not wait for another round trip.
 */
final class LeaseRenewals {
  static final Duration FRESH = Duration.ofMillis(500);
  private static final int PURGE_ABOVE = 1000;

  private final Map<String, Long> renewedAt = new ConcurrentHashMap<>();
  private final LongSupplier nanoTime;

  LeaseRenewals(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /**
   * Records the answer to an update of {@code taskId}: {@code renewed} when it was accepted and the
   * task goes on; otherwise (refused, failed, or the task's last update) it is forgotten.
   */
  void answered(String taskId, boolean renewed) {
    if (renewed) {
      long now = nanoTime.getAsLong();
      if (renewedAt.size() >= PURGE_ABOVE) {
        // tasks that went away without a last update: their stale entries go
        renewedAt.values().removeIf(at -> now - at >= FRESH.toNanos());
      }
      renewedAt.put(taskId, now);
    } else {
      renewedAt.remove(taskId);
    }
  }

  /** Whether the lease of {@code taskId} was renewed less than {@link #FRESH} ago. */
  boolean fresh(String taskId) {
    Long at = renewedAt.get(taskId);
    return at != null && nanoTime.getAsLong() - at < FRESH.toNanos();
  }
}

package org.rap.agent.poller;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logs the failures of task handlings without flooding the service log: the first failure of a task
 * (or one with a different message) in full, with the stack trace of an unexpected error; repeats
 * of the same failure only as a one-line summary at most once per {@code interval}, saying how
 * often it failed meanwhile. A task that succeeds again, or is no longer listed, starts afresh.
 */
final class RepeatedFailures {
  private record Seen(String message, long loggedAt, int since) {}

  private final Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final Map<String, Seen> seen = new HashMap<>();

  RepeatedFailures(Logger log, long intervalNanos, LongSupplier nanoTime) {
    this.log = log;
    this.intervalNanos = intervalNanos;
    this.nanoTime = nanoTime;
  }

  /**
   * @param stack the error whose stack trace goes with the first report, or null for none
   */
  synchronized void failed(String taskId, String message, Throwable stack) {
    long now = nanoTime.getAsLong();
    Seen s = seen.get(taskId);
    if (s == null || !Objects.equals(s.message(), message)) {
      log.log(Level.WARNING, message, stack);
      seen.put(taskId, new Seen(message, now, 0));
      return;
    }
    int since = s.since() + 1;
    if (now - s.loggedAt() >= intervalNanos) {
      log.warning(message + " (still failing: " + since + " more attempts since last logged)");
      seen.put(taskId, new Seen(message, now, 0));
    } else {
      seen.put(taskId, new Seen(message, s.loggedAt(), since));
    }
  }

  synchronized void succeeded(String taskId) {
    seen.remove(taskId);
  }

  synchronized void retainOnly(Set<String> taskIds) {
    seen.keySet().retainAll(taskIds);
  }
}

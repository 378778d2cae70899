package org.rap.controller.api.tasks;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Agents waiting in {@code GET /<backend>/tasks/?wait=N}, per backend. Changed only on the HTTP
 * verticle's event loop (no locking); {@link #size} may be read from any thread (metrics). {@link
 * #signal} completes every waiter of a backend.
 */
final class LongPollWaiters {
  private final Map<String, Set<Promise<Void>>> waiting = new HashMap<>();
  private final AtomicInteger count = new AtomicInteger();

  /** A waiter that completes on the next signal for the backend. */
  Promise<Void> register(String backend) {
    Promise<Void> p = Promise.promise();
    waiting.computeIfAbsent(backend, b -> new LinkedHashSet<>()).add(p);
    count.incrementAndGet();
    return p;
  }

  void remove(String backend, Promise<Void> p) {
    Set<Promise<Void>> set = waiting.get(backend);
    if (set != null) {
      if (set.remove(p)) {
        count.decrementAndGet();
      }
      if (set.isEmpty()) {
        waiting.remove(backend);
      }
    }
  }

  void signal(String backend) {
    Set<Promise<Void>> set = waiting.remove(backend);
    if (set != null) {
      count.addAndGet(-set.size());
      set.forEach(Promise::tryComplete);
    }
  }

  /** Completes every waiter (shutdown: answer the long polls with the current list). */
  void signalAll() {
    Map<String, Set<Promise<Void>>> all = new HashMap<>(waiting);
    waiting.clear();
    all.values().forEach(s -> count.addAndGet(-s.size()));
    all.values().forEach(s -> s.forEach(Promise::tryComplete));
  }

  /** Waiters now; safe to read from any thread. */
  int size() {
    return count.get();
  }

  static Future<Void> future(Promise<Void> p) {
    return p.future();
  }
}

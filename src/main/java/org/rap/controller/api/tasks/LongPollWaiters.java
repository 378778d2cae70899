package org.rap.controller.api.tasks;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Agents waiting in {@code GET /<backend>/tasks/?wait=N}, per backend. Used only on the HTTP
 * verticle's event loop (no locking). {@link #signal} completes every waiter of a backend.
 */
final class LongPollWaiters {
  private final Map<String, Set<Promise<Void>>> waiting = new HashMap<>();

  /** A waiter that completes on the next signal for the backend. */
  Promise<Void> register(String backend) {
    Promise<Void> p = Promise.promise();
    waiting.computeIfAbsent(backend, b -> new LinkedHashSet<>()).add(p);
    return p;
  }

  void remove(String backend, Promise<Void> p) {
    Set<Promise<Void>> set = waiting.get(backend);
    if (set != null) {
      set.remove(p);
      if (set.isEmpty()) {
        waiting.remove(backend);
      }
    }
  }

  void signal(String backend) {
    Set<Promise<Void>> set = waiting.remove(backend);
    if (set != null) {
      set.forEach(Promise::tryComplete);
    }
  }

  /** Completes every waiter (shutdown: answer the long polls with the current list). */
  void signalAll() {
    Map<String, Set<Promise<Void>>> all = new HashMap<>(waiting);
    waiting.clear();
    all.values().forEach(s -> s.forEach(Promise::tryComplete));
  }

  int size() {
    return waiting.values().stream().mapToInt(Set::size).sum();
  }

  static Future<Void> future(Promise<Void> p) {
    return p.future();
  }
}

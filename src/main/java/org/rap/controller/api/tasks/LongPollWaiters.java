package org.rap.controller.api.tasks;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
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

  /**
   * Named agents' waiters (docs/spec/task-api.md section 8), each with the RUNJOB tasks it may
   * still take: a new task wakes one of them that may take it, not every agent of the backend.
   */
  private final Map<String, LinkedHashMap<Promise<Void>, Integer>> named = new HashMap<>();

  /** Each named agent's waiter by backend and agent id, to wake it when it has room again. */
  private final Map<String, Promise<Void>> byAgent = new HashMap<>();

  private final Map<Promise<Void>, String> agentOf = new HashMap<>();

  private final AtomicInteger count = new AtomicInteger();

  /** A named agent's waiter; its free capacity is unknown (any) until {@link #setFree}. */
  Promise<Void> registerNamed(String backend, String agent) {
    Promise<Void> p = Promise.promise();
    named.computeIfAbsent(backend, b -> new LinkedHashMap<>()).put(p, Integer.MAX_VALUE);
    String key = backend + "/" + agent;
    byAgent.put(key, p);
    agentOf.put(p, key);
    count.incrementAndGet();
    return p;
  }

  /**
   * Wakes the held poll of {@code agent}, if any: one of its tasks ended, so it may claim tasks
   * that were created while it was full (their creation woke nobody with room).
   */
  void wakeAgent(String backend, String agent) {
    Promise<Void> p = byAgent.get(backend + "/" + agent);
    if (p != null) {
      remove(backend, p);
      p.tryComplete();
    }
  }

  /** How many more RUNJOB tasks the named agent waiting on {@code p} may take. */
  void setFree(String backend, Promise<Void> p, int free) {
    Map<Promise<Void>, Integer> m = named.get(backend);
    if (m != null && m.containsKey(p)) {
      m.put(p, free);
    }
  }

  /** A waiter that completes on the next signal for the backend. */
  Promise<Void> register(String backend) {
    Promise<Void> p = Promise.promise();
    waiting.computeIfAbsent(backend, b -> new LinkedHashSet<>()).add(p);
    count.incrementAndGet();
    return p;
  }

  void remove(String backend, Promise<Void> p) {
    String key = agentOf.remove(p);
    if (key != null) {
      byAgent.remove(key, p);
    }
    Map<Promise<Void>, Integer> m = named.get(backend);
    if (m != null && m.remove(p) != null) {
      count.decrementAndGet();
      if (m.isEmpty()) {
        named.remove(backend);
      }
      return;
    }
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

  /** A task was created: every waiter of the backend. */
  void signal(String backend) {
    signal(backend, true);
  }

  /**
   * A task was created for the backend: every waiter of an agent without an id, and of the named
   * agents either all ({@code everyNamed}: a task one particular agent holds, a cancellation) or
   * the longest-waiting one that may take another RUNJOB task.
   */
  void signal(String backend, boolean everyNamed) {
    Set<Promise<Void>> set = waiting.remove(backend);
    if (set != null) {
      count.addAndGet(-set.size());
      set.forEach(Promise::tryComplete);
    }
    Map<Promise<Void>, Integer> m = named.get(backend);
    if (m == null) {
      return;
    }
    List<Promise<Void>> woken = new ArrayList<>();
    for (Map.Entry<Promise<Void>, Integer> e : m.entrySet()) {
      if (everyNamed || e.getValue() > 0) {
        woken.add(e.getKey());
        if (!everyNamed) {
          break;
        }
      }
    }
    woken.forEach(p -> remove(backend, p));
    woken.forEach(Promise::tryComplete);
  }

  /** Completes every waiter (shutdown: answer the long polls with the current list). */
  void signalAll() {
    Map<String, Set<Promise<Void>>> all = new HashMap<>(waiting);
    waiting.clear();
    all.values().forEach(s -> count.addAndGet(-s.size()));
    all.values().forEach(s -> s.forEach(Promise::tryComplete));
    Map<String, LinkedHashMap<Promise<Void>, Integer>> agents = new HashMap<>(named);
    named.clear();
    byAgent.clear();
    agentOf.clear();
    agents.values().forEach(m -> count.addAndGet(-m.size()));
    agents.values().forEach(m -> m.keySet().forEach(Promise::tryComplete));
  }

  /** Waiters now; safe to read from any thread. */
  int size() {
    return count.get();
  }

  static Future<Void> future(Promise<Void> p) {
    return p.future();
  }
}

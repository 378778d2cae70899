package org.rap.controller.scheduler;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.Predicate;
import org.rap.common.model.Job;

/**
 * The reference's fairness ordering of pending jobs (docs/spec/scheduling.md section 1): repeatedly
 * take the job with the fewest jobs already running in its (backend, workspace), database jobs
 * first, then oldest. Running counts change as jobs start, which reorders the rest. O(n log g) for
 * g workspaces instead of re-sorting after every job.
 *
 * <p>Optional jobs (waiting for workers, and asked again only because room was freed) are dropped
 * without being taken once their pool cannot take even its lightest job ({@code spent}): pools only
 * fill while pending jobs are decided, so none of them could start any more.
 */
final class FairOrder {
  static final Comparator<Job> WITHIN_WORKSPACE =
      Comparator.comparing((Job j) -> j.requiresDb() ? 0 : 1)
          .thenComparingLong(Job::createdAt)
          .thenComparing(Job::id);

  /** A walk over jobs in order, looking one ahead. */
  private static final class Cursor {
    private final Iterator<Job> it;
    private Job head;

    Cursor(Iterator<Job> it) {
      this.it = it;
      head = it.hasNext() ? it.next() : null;
    }

    Job poll() {
      Job h = head;
      head = it.hasNext() ? it.next() : null;
      return h;
    }
  }

  private final class Group {
    final String key;

    /** Each in order: the jobs to decide, then the optional ones by pool (database, others). */
    final List<Cursor> parts = new ArrayList<>(3);

    Group(String key) {
      this.key = key;
    }

    int running() {
      return runningCounts.getOrDefault(key, 0);
    }

    private Cursor first() {
      Cursor best = null;
      for (Cursor c : parts) {
        if (c.head != null && (best == null || WITHIN_WORKSPACE.compare(c.head, best.head) < 0)) {
          best = c;
        }
      }
      return best;
    }

    Job head() {
      Cursor c = first();
      return c == null ? null : c.head;
    }

    Job pollFirst() {
      return first().poll();
    }

    boolean isEmpty() {
      return first() == null;
    }

    /** Drops optional jobs whose pool is spent; whether any were dropped. */
    boolean dropSpent() {
      boolean dropped = false;
      for (int i = 1; i < parts.size(); i++) {
        Cursor c = parts.get(i);
        if (c.head != null && spent.test(c.head)) {
          c.head = null; // and the rest of that pool's jobs in this workspace
          dropped = true;
        }
      }
      return dropped;
    }
  }

  private final Map<String, Integer> runningCounts;
  private final Predicate<Job> spent;
  private final PriorityQueue<Group> queue;
  private Group taken;

  /**
   * @param runningCounts running jobs per {@link #key} so far; the caller increments it (through
   *     {@link #started}) as jobs start
   */
  FairOrder(List<Job> pending, Map<String, Integer> runningCounts) {
    this(pending, Map.of(), runningCounts, j -> false);
  }

  /**
   * @param optional by {@link #key}: [database jobs, the others], each in {@link #WITHIN_WORKSPACE}
   *     order, to take only while their pool is not {@code spent}; not changed while this order is
   *     walked
   */
  FairOrder(
      List<Job> pending,
      Map<String, ? extends Collection<Job>[]> optional,
      Map<String, Integer> runningCounts,
      Predicate<Job> spent) {
    this.runningCounts = runningCounts;
    this.spent = spent;
    Map<String, List<Job>> byKey = new HashMap<>();
    for (Job j : pending) {
      byKey.computeIfAbsent(key(j), k -> new ArrayList<>()).add(j);
    }
    Map<String, Group> groups = new HashMap<>();
    byKey.forEach(
        (k, list) -> {
          list.sort(WITHIN_WORKSPACE);
          Group g = groups.computeIfAbsent(k, Group::new);
          g.parts.add(new Cursor(list.iterator()));
        });
    optional.forEach(
        (k, pools) -> {
          Group g = groups.computeIfAbsent(k, Group::new);
          if (g.parts.isEmpty()) {
            g.parts.add(new Cursor(Collections.emptyIterator()));
          }
          for (Collection<Job> pool : pools) {
            g.parts.add(new Cursor(pool.iterator()));
          }
        });
    Comparator<Group> order =
        Comparator.comparingInt(Group::running).thenComparing(Group::head, WITHIN_WORKSPACE);
    queue = new PriorityQueue<>(Math.max(1, groups.size()), order);
    for (Group g : groups.values()) {
      if (!g.isEmpty()) {
        queue.add(g);
      }
    }
  }

  static String key(Job j) {
    return j.backend() + "\u0000" + j.workspace();
  }

  boolean hasNext() {
    requeueTaken();
    while (!queue.isEmpty()) {
      Group top = queue.peek();
      if (!top.dropSpent()) {
        return true;
      }
      queue.poll();
      if (!top.isEmpty()) {
        queue.add(top);
      }
    }
    return false;
  }

  /** The next job to handle; call {@link #hasNext} first. */
  Job next() {
    requeueTaken();
    taken = queue.poll();
    return taken.pollFirst();
  }

  private void requeueTaken() {
    if (taken != null) {
      if (!taken.isEmpty()) {
        queue.add(taken);
      }
      taken = null;
    }
  }
}

package org.rap.controller.scheduler;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.rap.common.model.Job;

/**
 * The reference's fairness ordering of pending jobs (docs/spec/scheduling.md section 1): repeatedly
 * take the job with the fewest jobs already running in its (backend, workspace), database jobs
 * first, then oldest. Running counts change as jobs start, which reorders the rest. O(n log g) for
 * g workspaces instead of re-sorting after every job.
 */
final class FairOrder {
  static final Comparator<Job> WITHIN_WORKSPACE =
      Comparator.comparing((Job j) -> j.requiresDb() ? 0 : 1)
          .thenComparingLong(Job::createdAt)
          .thenComparing(Job::id);

  private final class Group {
    final String key;
    final Deque<Job> jobs;

    Group(String key, List<Job> sorted) {
      this.key = key;
      this.jobs = new ArrayDeque<>(sorted);
    }

    int running() {
      return runningCounts.getOrDefault(key, 0);
    }
  }

  private final Map<String, Integer> runningCounts;
  private final PriorityQueue<Group> queue;
  private Group taken;

  /**
   * @param runningCounts running jobs per {@link #key} so far; the caller increments it (through
   *     {@link #started}) as jobs start
   */
  FairOrder(List<Job> pending, Map<String, Integer> runningCounts) {
    this.runningCounts = runningCounts;
    Map<String, List<Job>> byKey = new HashMap<>();
    for (Job j : pending) {
      byKey.computeIfAbsent(key(j), k -> new ArrayList<>()).add(j);
    }
    Comparator<Group> order =
        Comparator.comparingInt(Group::running)
            .thenComparing((Group g) -> g.jobs.peekFirst(), WITHIN_WORKSPACE);
    queue = new PriorityQueue<>(Math.max(1, byKey.size()), order);
    byKey.forEach(
        (k, list) -> {
          list.sort(WITHIN_WORKSPACE);
          queue.add(new Group(k, list));
        });
  }

  static String key(Job j) {
    return j.backend() + "\u0000" + j.workspace();
  }

  boolean hasNext() {
    requeueTaken();
    return !queue.isEmpty();
  }

  /** The next job to handle; call {@link #hasNext} first. */
  Job next() {
    requeueTaken();
    taken = queue.poll();
    return taken.jobs.pollFirst();
  }

  private void requeueTaken() {
    if (taken != null) {
      if (!taken.jobs.isEmpty()) {
        queue.add(taken);
      }
      taken = null;
    }
  }
}

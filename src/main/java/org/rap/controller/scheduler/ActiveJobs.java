package org.rap.controller.scheduler;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.controller.db.TaskRepository.RunJobState;

/**
 * The scheduler's memory of the active jobs between passes, so that a pass reads and decides only
 * what changed (docs/spec/scheduling.md section 1): every pending or running job as last read or
 * written, the latest RUNJOB task of the running ones, the final states of finished jobs that
 * pending jobs wait for, and what follows from them: the worker pools in use, the running jobs per
 * workspace, the jobs waiting for room and who waits for whom.
 *
 * <p>Applying a job's new status also notes what it may change for others: its dependants must be
 * decided again when its state changed, and a backend whose running job stopped has room for the
 * jobs waiting for workers. Not thread-safe: the scheduler's passes never overlap.
 */
final class ActiveJobs {
  private final Map<String, Job> jobs = new HashMap<>();
  private final Map<String, RunJobState> runJobs = new HashMap<>();
  private final Map<String, State> finished = new HashMap<>();
  private final Map<String, Set<String>> dependants = new HashMap<>();
  private final Map<String, Integer> runningPerWorkspace = new HashMap<>();

  /**
   * Jobs waiting for room, per backend, per (backend, workspace) ({@link FairOrder#key}), per pool
   * (0: database jobs, 1: the others), in fair order within the workspace: a pass that offers them
   * freed room walks them in order without sorting them.
   */
  private final Map<String, Map<String, NavigableSet<Job>[]>> waitingForRoom = new HashMap<>();

  private final WorkerPools pools;
  private Flags flags;

  /** For the gauges, per backend: [pending, running], jobs per code, pending creation times. */
  private final Map<String, long[]> counts = new HashMap<>();

  private final Map<String, Map<StatusCode, Long>> codes = new HashMap<>();
  private final Map<String, TreeMap<Long, Integer>> pendingCreated = new HashMap<>();

  /** Jobs to decide on the next pass (besides the changed ones it reads). */
  private final Set<String> dirty = new LinkedHashSet<>();

  /** Backends where a running job stopped: room for the jobs waiting for workers. */
  private final Set<String> freed = new HashSet<>();

  ActiveJobs(WorkerPools emptyPools) {
    this.pools = emptyPools;
  }

  /** The model of a full read. */
  static ActiveJobs of(PassSnapshot s, WorkerPools emptyPools) {
    ActiveJobs m = new ActiveJobs(emptyPools);
    m.flags = s.flags();
    m.finished.putAll(s.finishedDependencies());
    for (Job j : s.active()) {
      m.put(j);
    }
    m.runJobs.putAll(s.runJobs());
    m.dirty.clear();
    m.freed.clear();
    return m;
  }

  int size() {
    return jobs.size();
  }

  Job get(String id) {
    return jobs.get(id);
  }

  Map<String, Job> byId() {
    return jobs;
  }

  Collection<Job> all() {
    return jobs.values();
  }

  Flags flags() {
    return flags;
  }

  void setFlags(Flags f) {
    flags = f;
  }

  RunJobState runJob(String jobId) {
    return runJobs.get(jobId);
  }

  void setRunJob(String jobId, RunJobState task) {
    if (task == null) {
      runJobs.remove(jobId);
    } else {
      runJobs.put(jobId, task);
    }
  }

  /** A job's state before the pass: active, finished (if someone waits for it), or null. */
  State stateOf(String id) {
    Job j = jobs.get(id);
    return j != null ? j.state() : finished.get(id);
  }

  /** Whether the state of the job {@code id} is known (active, or finished and waited for). */
  boolean knows(String id) {
    return jobs.containsKey(id) || finished.containsKey(id);
  }

  void finishedState(String id, State state) {
    finished.put(id, state);
  }

  /** A copy of the running jobs per (backend, workspace) ({@link FairOrder#key}). */
  Map<String, Integer> runningPerWorkspace() {
    return new HashMap<>(runningPerWorkspace);
  }

  /** A copy of the pools, for a pass to update as it decides. */
  WorkerPools pools() {
    return pools.copy();
  }

  /**
   * The pending jobs of a backend whose last decision was that there was no room for them, by
   * (backend, workspace), each [database jobs, the others] in fair order. Live: read during a pass
   * only.
   */
  Map<String, NavigableSet<Job>[]> waitingForRoom(String backend) {
    return waitingForRoom.getOrDefault(backend, Map.of());
  }

  /** The active jobs of a backend. */
  List<Job> ofBackend(String backend) {
    List<Job> out = new ArrayList<>();
    for (Job j : jobs.values()) {
      if (j.backend().equals(backend)) {
        out.add(j);
      }
    }
    return out;
  }

  /** Ids to decide next pass: dependants of changed jobs, carried-over jobs. */
  Set<String> takeDirty() {
    Set<String> out = new LinkedHashSet<>(dirty);
    dirty.clear();
    return out;
  }

  void markDirty(Collection<String> ids) {
    dirty.addAll(ids);
  }

  /** Backends with room freed since last asked. */
  Set<String> takeFreed() {
    Set<String> out = new HashSet<>(freed);
    freed.clear();
    return out;
  }

  /** The pending jobs waiting for {@code id}. */
  Set<String> dependantsOf(String id) {
    return dependants.getOrDefault(id, Set.of());
  }

  /** Stores a job's current status: kept while active, else forgotten (its final state noted). */
  void put(Job job) {
    Job old = jobs.get(job.id());
    if (old != null) {
      unindex(old);
    }
    if (job.state() == State.PENDING || job.state() == State.RUNNING) {
      jobs.put(job.id(), job);
      if (old == null) {
        for (String dep : job.waitForJobIds()) {
          dependants.computeIfAbsent(dep, d -> new HashSet<>()).add(job.id());
        }
      }
      index(job);
    } else {
      forget(job.id(), old);
      if (dependants.containsKey(job.id())) {
        finished.put(job.id(), job.state());
      }
    }
    State before = old == null ? finished.get(job.id()) : old.state();
    if (before != job.state()) {
      dirty.addAll(dependantsOf(job.id()));
      if (before == State.RUNNING) {
        freed.add(job.backend());
      }
    }
    if (job.state() != State.RUNNING) {
      runJobs.remove(job.id());
    }
  }

  /** The job's row is gone (deleted): forgotten, its dependants decided again. */
  void vanished(String id) {
    Job old = jobs.get(id);
    if (old != null) {
      unindex(old);
      if (old.state() == State.RUNNING) {
        freed.add(old.backend());
      }
    }
    forget(id, old);
    finished.remove(id);
    runJobs.remove(id);
    dirty.addAll(dependantsOf(id));
  }

  private void forget(String id, Job old) {
    if (old == null) {
      return;
    }
    jobs.remove(id);
    for (String dep : old.waitForJobIds()) {
      Set<String> waiting = dependants.get(dep);
      if (waiting != null) {
        waiting.remove(id);
        if (waiting.isEmpty()) {
          dependants.remove(dep);
          finished.remove(dep); // nobody waits for it any more
        }
      }
    }
  }

  /** Per backend: [pending, running] (live: read, do not keep). */
  Map<String, long[]> counts() {
    return counts;
  }

  /** Per backend: active jobs per status code (live). */
  Map<String, Map<StatusCode, Long>> codes() {
    return codes;
  }

  /** Per backend with pending jobs: the creation time of the oldest. */
  Map<String, Long> oldestPending() {
    Map<String, Long> out = new HashMap<>();
    pendingCreated.forEach(
        (b, times) -> {
          if (!times.isEmpty()) {
            out.put(b, times.firstKey());
          }
        });
    return out;
  }

  private void count(Job j, int delta) {
    long[] c = counts.computeIfAbsent(j.backend(), b -> new long[2]);
    c[j.state() == State.RUNNING ? 1 : 0] += delta;
    codes
        .computeIfAbsent(j.backend(), b -> new EnumMap<>(StatusCode.class))
        .merge(j.statusCode(), (long) delta, Long::sum);
    if (j.state() == State.PENDING) {
      pendingCreated
          .computeIfAbsent(j.backend(), b -> new TreeMap<>())
          .compute(j.createdAt(), (t, n) -> remaining(n == null ? 0 : n, delta));
    }
  }

  /** A count after a change, or null (removed) at zero. */
  private static Integer remaining(int n, int delta) {
    return n + delta <= 0 ? null : n + delta;
  }

  private void index(Job j) {
    count(j, 1);
    if (j.state() == State.RUNNING) {
      runningPerWorkspace.merge(FairOrder.key(j), 1, Integer::sum);
      pools.started(j);
    } else if (waitsForRoom(j)) {
      waitingForRoom
          .computeIfAbsent(j.backend(), b -> new HashMap<>())
          .computeIfAbsent(FairOrder.key(j), k -> newPools())[j.requiresDb() ? 0 : 1]
          .add(j);
    }
  }

  private void unindex(Job j) {
    count(j, -1);
    if (j.state() == State.RUNNING) {
      runningPerWorkspace.computeIfPresent(FairOrder.key(j), (k, n) -> n <= 1 ? null : n - 1);
      pools.stopped(j);
    } else if (waitsForRoom(j)) {
      Map<String, NavigableSet<Job>[]> groups = waitingForRoom.get(j.backend());
      NavigableSet<Job>[] w = groups == null ? null : groups.get(FairOrder.key(j));
      if (w != null) {
        w[j.requiresDb() ? 0 : 1].remove(j);
        if (w[0].isEmpty() && w[1].isEmpty()) {
          groups.remove(FairOrder.key(j));
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static NavigableSet<Job>[] newPools() {
    return new NavigableSet[] {
      new TreeSet<>(FairOrder.WITHIN_WORKSPACE), new TreeSet<>(FairOrder.WITHIN_WORKSPACE)
    };
  }

  private static boolean waitsForRoom(Job j) {
    return j.statusCode() == StatusCode.WAITING_ON_WORKERS
        || j.statusCode() == StatusCode.WAITING_ON_DB_WORKERS;
  }
}

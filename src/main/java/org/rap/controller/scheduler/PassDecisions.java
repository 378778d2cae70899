package org.rap.controller.scheduler;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.logging.Logger;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.common.model.Timestamps;
import org.rap.controller.db.TaskRepository.RunJobState;
import org.rap.controller.telemetry.LoopJobSpans;

/**
 * Decides the jobs a pass must look at, in memory, in the reference's order
 * (docs/spec/scheduling.md section 1): running jobs oldest first, then pending jobs in the fairness
 * order ({@link FairOrder}). Each decision sees the ones before it: a job started takes room in its
 * worker pool, a job that fails makes its dependants fail. A job whose rules throw is recorded as a
 * failure and left as it is; a job backing off after earlier failures is left alone.
 *
 * <p>Which jobs: the candidates the pass read (changed, new, due, or every job on a full pass), the
 * pending dependants of jobs whose state changes, and, in a backend where a running job stopped,
 * the jobs waiting for workers, in fair order until the pool cannot take even the lightest job.
 * Every other active job would be decided exactly as last time, so it is left alone.
 */
final class PassDecisions {
  private static final Logger LOG = Logger.getLogger(PassDecisions.class.getName());

  /** Decisions by job id, in the order made. */
  final Map<String, Decision> decisions = new LinkedHashMap<>();

  /** Jobs whose rules threw, by id. */
  final Map<String, Throwable> failures = new LinkedHashMap<>();

  /** The state after the pass of every job handled. */
  final Map<String, State> decided = new HashMap<>();

  /** Pending jobs whose dependency changed after they were decided: for the next pass. */
  final Set<String> carried = new LinkedHashSet<>();

  private final ActiveJobs model;
  private final Map<String, Integer> erroredAttempts;
  private final JobRules rules;
  private final WorkerPools pools;
  private final LoopErrors errors;
  private final LoopJobSpans loopJobs;
  private final long nowNs;
  private final Map<String, Integer> runningPerWorkspace;
  private final Set<String> freed = new HashSet<>();

  private PassDecisions(
      ActiveJobs model,
      Map<String, Integer> erroredAttempts,
      JobRules rules,
      LoopErrors errors,
      LoopJobSpans loopJobs,
      long nowNs) {
    this.model = model;
    this.erroredAttempts = erroredAttempts;
    this.rules = rules;
    this.pools = model.pools();
    this.runningPerWorkspace = model.runningPerWorkspace();
    this.errors = errors;
    this.loopJobs = loopJobs;
    this.nowNs = nowNs;
  }

  /**
   * @param candidates ids of active jobs of {@code model} to decide
   * @param freedBackends backends where room was freed before the pass
   * @param erroredAttempts for running candidates whose latest task ended with an agent error, the
   *     number of such tasks
   * @param loopJobs records a {@code LOOP_JOB} span of every job handled
   */
  static PassDecisions decide(
      ActiveJobs model,
      Collection<String> candidates,
      Set<String> freedBackends,
      Map<String, Integer> erroredAttempts,
      JobRules rules,
      LoopErrors errors,
      LoopJobSpans loopJobs,
      long nowNs) {
    PassDecisions pass = new PassDecisions(model, erroredAttempts, rules, errors, loopJobs, nowNs);
    pass.freed.addAll(freedBackends);
    List<Job> running = new ArrayList<>();
    Set<String> pending = new LinkedHashSet<>();
    for (String id : candidates) {
      Job j = model.get(id);
      if (j == null) {
        continue;
      }
      if (j.state() == State.RUNNING) {
        running.add(j);
      } else {
        pending.add(id);
      }
    }
    running.sort(Comparator.comparingLong(Job::createdAt).thenComparing(Job::id));
    for (Job j : running) {
      pass.handle(j, false);
      pass.changed(j, pending);
    }
    Map<String, NavigableSet<Job>[]> optional = new HashMap<>();
    for (String backend : pass.freed) {
      optional.putAll(model.waitingForRoom(backend));
    }
    Set<String> round = pending;
    boolean first = true;
    while (!round.isEmpty() || first && !optional.isEmpty()) {
      Set<String> next = new LinkedHashSet<>();
      Set<String> required = round;
      FairOrder order =
          new FairOrder(
              jobs(model, round),
              first ? optional : Map.of(),
              pass.runningPerWorkspace,
              pass.pools::full);
      first = false; // jobs waiting for room are offered once, in the first round
      while (order.hasNext()) {
        Job j = order.next();
        pass.handle(j, !required.contains(j.id()));
        pass.changed(j, next);
      }
      round = next;
    }
    return pass;
  }

  /**
   * After {@code job} was handled: when its state changed, its pending dependants not handled yet
   * go into {@code later} (this pass), those already handled are carried to the next pass.
   */
  private void changed(Job job, Set<String> later) {
    State after = decided.get(job.id());
    if (after == null || after == job.state()) {
      return;
    }
    for (String id : model.dependantsOf(job.id())) {
      Job d = model.get(id);
      if (d == null || d.state() != State.PENDING) {
        continue;
      }
      if (decided.containsKey(id)) {
        carried.add(id);
      } else {
        later.add(id);
      }
    }
  }

  private static List<Job> jobs(ActiveJobs model, Collection<String> ids) {
    List<Job> out = new ArrayList<>(ids.size());
    for (String id : ids) {
      Job j = model.get(id);
      if (j != null && j.state() == State.PENDING) {
        out.add(j);
      }
    }
    return out;
  }

  /**
   * @param optional a job waiting for room that nothing else made a candidate: left alone when its
   *     pool is full (it would be decided as last time)
   */
  private void handle(Job job, boolean optional) {
    if (decided.containsKey(job.id()) || optional && pools.full(job)) {
      return;
    }
    State after = job.state();
    if (!errors.backingOff(job.id(), nowNs)) {
      long spanStart = Timestamps.nowNanos();
      Job decidedJob = null;
      RuntimeException failed = null;
      try {
        Decision d = rules.decide(job, facts(job), nowNs);
        decidedJob = d.outcome().job();
        if (d.warning() != null) {
          LOG.warning(d.warning());
        }
        StatusBook.log(d.outcome());
        decisions.put(job.id(), d);
        after = d.stateAfter();
        if (d.effect() == Decision.Effect.START_TASK) {
          pools.started(job);
        }
      } catch (RuntimeException ex) {
        failed = ex;
        failures.put(job.id(), ex);
      }
      loopJobs.record(job, decidedJob, failed, spanStart, Timestamps.nowNanos());
    }
    decided.put(job.id(), after);
    if (job.state() == State.RUNNING && after != State.RUNNING) {
      pools.stopped(job);
      runningPerWorkspace.computeIfPresent(FairOrder.key(job), (k, n) -> n <= 1 ? null : n - 1);
      freed.add(job.backend());
    } else if (job.state() != State.RUNNING && after == State.RUNNING) {
      runningPerWorkspace.merge(FairOrder.key(job), 1, Integer::sum);
    }
  }

  private JobFacts facts(Job job) {
    String backend = job.backend();
    Flags flags = model.flags();
    boolean paused = flags.paused(backend);
    boolean maintenance = flags.inDbMaintenance(backend);
    if (job.state() == State.RUNNING) {
      RunJobState task = model.runJob(job.id());
      return new JobFacts(
          paused,
          maintenance,
          task,
          erroredAttempts(job.id(), task),
          List.of(),
          JobFacts.Room.NONE);
    }
    List<State> dependencies = new ArrayList<>(job.waitForJobIds().size());
    for (String dep : job.waitForJobIds()) {
      State st = decided.containsKey(dep) ? decided.get(dep) : model.stateOf(dep);
      if (st != null) { // an unknown id is ignored, as the reference's lookup ignores it
        dependencies.add(st);
      }
    }
    return new JobFacts(paused, maintenance, null, 0, dependencies, pools.roomFor(job));
  }

  /**
   * MAX_TASK_ATTEMPTS counts the tasks the agent ended with an error; a job whose latest task did
   * not end so is on the attempt its task id says.
   */
  private int erroredAttempts(String jobId, RunJobState task) {
    Integer counted = erroredAttempts.get(jobId);
    if (counted != null) {
      return counted;
    }
    return task == null ? 0 : JobRules.attemptNumber(task.id());
  }
}

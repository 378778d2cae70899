package org.rap.controller.scheduler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.common.model.Timestamps;
import org.rap.controller.db.TaskRepository.RunJobState;
import org.rap.controller.telemetry.LoopJobSpans;

/**
 * Decides every job of a {@link PassSnapshot} in memory, in the reference's order
 * (docs/spec/scheduling.md section 1): running jobs oldest first, then pending jobs in the fairness
 * order ({@link FairOrder}). Each decision sees the ones before it: a job started takes room in its
 * worker pool, a job that fails makes its dependants fail. A job whose rules throw is recorded as a
 * failure and left as it is; a job backing off after earlier failures is left alone.
 */
final class PassDecisions {
  private static final Logger LOG = Logger.getLogger(PassDecisions.class.getName());

  /** Decisions by job id, in the order made. */
  final Map<String, Decision> decisions = new LinkedHashMap<>();

  /** Jobs whose rules threw, by id. */
  final Map<String, Throwable> failures = new LinkedHashMap<>();

  /** Every active job's state after the pass. */
  final Map<String, State> decided = new HashMap<>();

  private final PassSnapshot snapshot;
  private final JobRules rules;
  private final WorkerPools pools;
  private final LoopErrors errors;
  private final LoopJobSpans loopJobs;
  private final long nowNs;
  private final Map<String, Integer> runningPerWorkspace = new HashMap<>();

  private PassDecisions(
      PassSnapshot snapshot,
      JobRules rules,
      WorkerPools pools,
      LoopErrors errors,
      LoopJobSpans loopJobs,
      long nowNs) {
    this.snapshot = snapshot;
    this.rules = rules;
    this.pools = pools;
    this.errors = errors;
    this.loopJobs = loopJobs;
    this.nowNs = nowNs;
  }

  /**
   * @param loopJobs records a {@code LOOP_JOB} span of every job handled
   */
  static PassDecisions decide(
      PassSnapshot snapshot,
      JobRules rules,
      WorkerPools pools,
      LoopErrors errors,
      LoopJobSpans loopJobs,
      long nowNs) {
    PassDecisions pass = new PassDecisions(snapshot, rules, pools, errors, loopJobs, nowNs);
    List<Job> running = new ArrayList<>();
    List<Job> pending = new ArrayList<>();
    for (Job j : snapshot.active()) {
      (j.state() == State.RUNNING ? running : pending).add(j);
    }
    running.sort(Comparator.comparingLong(Job::createdAt).thenComparing(Job::id));
    running.forEach(pass::handle);
    FairOrder order = new FairOrder(pending, pass.runningPerWorkspace);
    while (order.hasNext()) {
      pass.handle(order.next());
    }
    return pass;
  }

  private void handle(Job job) {
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
    }
    if (after == State.RUNNING) {
      runningPerWorkspace.merge(FairOrder.key(job), 1, Integer::sum);
    }
  }

  private JobFacts facts(Job job) {
    String backend = job.backend();
    boolean paused = snapshot.flags().paused(backend);
    boolean maintenance = snapshot.flags().inDbMaintenance(backend);
    if (job.state() == State.RUNNING) {
      RunJobState task = snapshot.runJobs().get(job.id());
      return new JobFacts(
          paused,
          maintenance,
          task,
          snapshot.erroredAttempts(job.id(), task),
          List.of(),
          JobFacts.Room.NONE);
    }
    List<State> dependencies = new ArrayList<>(job.waitForJobIds().size());
    for (String dep : job.waitForJobIds()) {
      State st = decided.containsKey(dep) ? decided.get(dep) : snapshot.stateBefore(dep);
      if (st != null) { // an unknown id is ignored, as the reference's lookup ignores it
        dependencies.add(st);
      }
    }
    return new JobFacts(paused, maintenance, null, 0, dependencies, pools.roomFor(job));
  }
}

package org.rap.controller.scheduler;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rap.common.model.Job;
import org.rap.common.model.JobSpec;
import org.rap.common.model.JobStatus;
import org.rap.common.model.State;
import org.rap.common.model.Task;
import org.rap.controller.ControllerContext;
import org.rap.controller.db.JobChanges;
import org.rap.controller.db.TaskRepository.RunJobState;

/**
 * Brings {@link ActiveJobs} up to date at the start of an incremental pass, reading only what
 * changed: the flags (a few rows), the ids the change triggers recorded ({@link JobChanges}), then
 * the status of those jobs (with the spec of the ones new to the scheduler, unless handed over
 * through {@link NewJobs}), the latest RUNJOB task of the running ones, and the states of finished
 * jobs new pending jobs wait for. Returns the jobs the pass must decide: those, their dependants
 * whose dependency changed state, jobs whose loop-error backoff is over, jobs carried over, and
 * every job of a backend whose {@code paused} or {@code mode} flag changed.
 */
final class ChangeReader {
  /** What the pass decides. */
  record Work(
      Set<String> candidates,
      Set<String> freed,
      Map<String, Integer> erroredAttempts,
      boolean flagsChanged) {}

  private final ControllerContext ctx;
  private final NewJobs newJobs;
  private final JobChanges changes;

  ChangeReader(ControllerContext ctx, NewJobs newJobs, JobChanges changes) {
    this.ctx = ctx;
    this.newJobs = newJobs;
    this.changes = changes;
  }

  /** Clears the recorded changes (before a full read, which sees all of them). */
  Future<Void> clear() {
    return changes.take(ctx.db().pool()).mapEmpty();
  }

  /**
   * @param due jobs to decide although nothing changed (their loop-error backoff is over)
   */
  Future<Work> read(ActiveJobs model, Collection<String> due) {
    Pool pool = ctx.db().pool();
    Future<Flags> flags = ctx.flags().everyBackend(pool).map(Flags::of);
    Future<Set<String>> changed = changes.take(pool).map(all -> toRead(model, all));
    return Future.all(flags, changed)
        .compose(
            both -> {
              Set<String> candidates = new LinkedHashSet<>(changed.result());
              candidates.addAll(model.takeDirty());
              candidates.addAll(due);
              for (String backend : flagsChanged(model.flags(), flags.result())) {
                model.ofBackend(backend).forEach(j -> candidates.add(j.id()));
              }
              boolean flagsChanged = !flags.result().equals(model.flags());
              model.setFlags(flags.result());
              return reread(pool, model, changed.result())
                  .compose(v -> finishedDependencies(pool, model, changed.result()))
                  .compose(
                      v -> {
                        // dependants of the jobs whose state the re-read changed
                        candidates.addAll(model.takeDirty());
                        return erroredAttempts(pool, model, candidates);
                      })
                  .map(errored -> new Work(candidates, model.takeFreed(), errored, flagsChanged));
            });
  }

  /**
   * The changed jobs to read again: all but those whose every recorded change left the job's state,
   * code and cancel request as the scheduler knows them (its own writes, read back otherwise on the
   * next pass).
   */
  private static Set<String> toRead(ActiveJobs model, List<JobChanges.Change> all) {
    Set<String> out = new LinkedHashSet<>();
    for (JobChanges.Change c : all) {
      Job known = model.get(c.jobId());
      boolean same =
          known != null
              ? c.statusCode() == known.statusCode()
                  && c.state() == known.state()
                  && c.cancelled() != null
                  && c.cancelled() == known.cancelled()
              : finishedAsKnown(model, c);
      if (!same) {
        out.add(c.jobId());
      }
    }
    return out;
  }

  /**
   * A change that leaves a job the scheduler does not hold finished: nothing to read when nobody
   * waits for it, or its waiters already know that state (the scheduler's own final writes).
   */
  private static boolean finishedAsKnown(ActiveJobs model, JobChanges.Change c) {
    if (c.state() == null || c.state() == State.PENDING || c.state() == State.RUNNING) {
      return false;
    }
    return model.dependantsOf(c.jobId()).isEmpty() || model.stateOf(c.jobId()) == c.state();
  }

  /** Backends whose flags that decide jobs ({@code paused}, {@code mode}) differ. */
  private static Set<String> flagsChanged(Flags before, Flags now) {
    Set<String> out = new HashSet<>();
    for (String b : backends(before, now)) {
      if (before == null
          || before.paused(b) != now.paused(b)
          || before.inDbMaintenance(b) != now.inDbMaintenance(b)) {
        out.add(b);
      }
    }
    return out;
  }

  private static Set<String> backends(Flags before, Flags now) {
    Set<String> out = new HashSet<>();
    out.addAll(now.backends());
    if (before != null) {
      out.addAll(before.backends());
    }
    return out;
  }

  /** Reads the status (and, for jobs new to the scheduler, the spec) of the changed jobs. */
  private Future<Void> reread(Pool pool, ActiveJobs model, Set<String> ids) {
    List<String> known = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    Map<String, JobSpec> specs = new HashMap<>();
    for (String id : ids) {
      Job j = model.get(id);
      JobSpec spec = j != null ? j.spec() : newJobs.take(id);
      if (spec != null) {
        specs.put(id, spec);
        known.add(id);
      } else {
        unknown.add(id);
      }
    }
    Future<List<Map<String, JobStatus>>> statuses =
        Chunks.of(known, ids2 -> ctx.jobs().findStatusByIds(pool, ids2));
    Future<List<List<Job>>> rows = Chunks.of(unknown, ids2 -> ctx.jobs().findByIds(pool, ids2));
    return Future.all(statuses, rows)
        .compose(
            both -> {
              Map<String, Job> found = new HashMap<>();
              statuses
                  .result()
                  .forEach(m -> m.forEach((id, st) -> found.put(id, new Job(specs.get(id), st))));
              rows.result().forEach(l -> l.forEach(j -> found.put(j.id(), j)));
              List<String> running = new ArrayList<>();
              for (String id : ids) {
                Job j = found.get(id);
                if (j == null) {
                  model.vanished(id);
                } else {
                  model.put(j);
                  if (j.state() == State.RUNNING) {
                    running.add(id);
                  }
                }
              }
              return Chunks.of(running, part -> ctx.tasks().latestRunJobStatesOf(pool, part))
                  .map(
                      parts -> {
                        Map<String, RunJobState> latest = new HashMap<>();
                        parts.forEach(latest::putAll);
                        running.forEach(id -> model.setRunJob(id, latest.get(id)));
                        return null;
                      });
            });
  }

  /** The states of the jobs that re-read pending jobs wait for and the scheduler does not know. */
  private Future<Void> finishedDependencies(Pool pool, ActiveJobs model, Set<String> ids) {
    Set<String> missing = new HashSet<>();
    for (String id : ids) {
      Job j = model.get(id);
      if (j != null && j.state() == State.PENDING) {
        for (String dep : j.waitForJobIds()) {
          if (!model.knows(dep)) {
            missing.add(dep);
          }
        }
      }
    }
    return Chunks.of(new ArrayList<>(missing), part -> ctx.jobs().statesOf(pool, part))
        .map(
            parts -> {
              parts.forEach(m -> m.forEach(model::finishedState));
              return null;
            });
  }

  /**
   * MAX_TASK_ATTEMPTS counts the tasks the agent ended with an error, not every task: a task
   * replaced because of database maintenance or a reboot is not a failed attempt. Only running
   * candidates whose latest task just errored need the count (rare): their tasks are read one job
   * at a time.
   */
  Future<Map<String, Integer>> erroredAttempts(
      Pool pool, ActiveJobs model, Collection<String> candidates) {
    Map<String, Integer> out = new HashMap<>();
    List<Future<Void>> parts = new ArrayList<>();
    for (String id : candidates) {
      Job j = model.get(id);
      RunJobState t = j == null || j.state() != State.RUNNING ? null : model.runJob(id);
      if (t != null && t.agentComplete() && TaskResults.erroredSafely(t.agentResults())) {
        parts.add(
            ctx.tasks()
                .findRunJobTasks(pool, id)
                .map(
                    all -> {
                      synchronized (out) {
                        out.put(id, countErrored(all));
                      }
                      return null;
                    }));
      }
    }
    return Future.all(parts).map(out);
  }

  static int countErrored(List<Task> tasks) {
    int n = 0;
    for (Task task : tasks) {
      if (task.isAgentComplete() && TaskResults.erroredSafely(task.agentResults())) {
        n++;
      }
    }
    return n;
  }
}

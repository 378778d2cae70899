package org.rap.controller.scheduler;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rap.common.model.Job;
import org.rap.common.model.JobSpec;
import org.rap.common.model.JobStatus;
import org.rap.common.model.State;
import org.rap.controller.ControllerContext;
import org.rap.controller.db.TaskRepository.RunJobState;

/**
 * Reads a {@link PassSnapshot} for a full pass. The specs of active jobs never change, so they are
 * kept from one full read to the next: each reads only the status columns of the active jobs, and
 * specs only of jobs new to it that were not handed over through {@link NewJobs}.
 */
final class SnapshotReader {
  private final ControllerContext ctx;
  private final NewJobs newJobs;

  /** Specs of the active jobs, by id. */
  private Map<String, JobSpec> specs = new HashMap<>();

  SnapshotReader(ControllerContext ctx, NewJobs newJobs) {
    this.ctx = ctx;
    this.newJobs = newJobs;
  }

  Future<PassSnapshot> read() {
    Pool pool = ctx.db().pool();
    Future<Flags> flags = ctx.flags().everyBackend(pool).map(Flags::of);
    Future<List<Job>> active =
        ctx.jobs().findActiveStatus(pool).compose(statuses -> activeJobs(pool, statuses));
    Future<Map<String, RunJobState>> runJobs = ctx.tasks().latestRunJobStatesOfRunningJobs(pool);
    return Future.all(flags, active, runJobs)
        .compose(
            loaded -> {
              Map<String, Job> byId = new HashMap<>(active.result().size() * 2);
              for (Job j : active.result()) {
                byId.put(j.id(), j);
              }
              Future<Map<String, Integer>> errored = erroredAttempts(pool, runJobs.result());
              Future<Map<String, State>> finished =
                  finishedDependencies(pool, active.result(), byId);
              return Future.all(errored, finished)
                  .map(
                      both ->
                          new PassSnapshot(
                              flags.result(),
                              active.result(),
                              byId,
                              runJobs.result(),
                              errored.result(),
                              finished.result()));
            });
  }

  /**
   * The active jobs: this pass's statuses with the specs kept from earlier passes, handed over, or
   * read now (in that order of preference).
   */
  private Future<List<Job>> activeJobs(SqlClient client, Map<String, JobStatus> statuses) {
    List<String> missing = new ArrayList<>();
    for (String id : statuses.keySet()) {
      if (!specs.containsKey(id)) {
        JobSpec created = newJobs.take(id);
        if (created != null) {
          specs.put(id, created);
        } else {
          missing.add(id);
        }
      }
    }
    return Chunks.of(missing, ids -> ctx.jobs().findByIds(client, ids))
        .map(
            loaded -> {
              loaded.forEach(part -> part.forEach(j -> specs.put(j.id(), j.spec())));
              Map<String, JobSpec> keep = new HashMap<>(statuses.size() * 2);
              List<Job> out = new ArrayList<>(statuses.size());
              statuses.forEach(
                  (id, status) -> {
                    JobSpec spec = specs.get(id);
                    if (spec != null) { // else it vanished between the two queries
                      keep.put(id, spec);
                      out.add(new Job(spec, status));
                    }
                  });
              specs = keep; // forgets jobs that are no longer active
              return out;
            });
  }

  /**
   * MAX_TASK_ATTEMPTS counts the tasks the agent ended with an error, not every task: a task
   * replaced because of database maintenance or a reboot is not a failed attempt. Only jobs whose
   * latest task just errored need the count (rare), so this reads their tasks one job at a time.
   */
  private Future<Map<String, Integer>> erroredAttempts(
      SqlClient client, Map<String, RunJobState> runJobs) {
    Map<String, Integer> out = new HashMap<>();
    List<Future<Void>> parts = new ArrayList<>();
    for (RunJobState t : runJobs.values()) {
      if (t.agentComplete() && TaskResults.erroredSafely(t.agentResults())) {
        parts.add(
            ctx.tasks()
                .findRunJobTasks(client, t.jobId())
                .map(
                    all -> {
                      int n = ChangeReader.countErrored(all);
                      synchronized (out) {
                        out.put(t.jobId(), n);
                      }
                      return null;
                    }));
      }
    }
    return Future.all(parts).map(out);
  }

  /** States of the jobs that pending jobs wait for and that are no longer active. */
  private Future<Map<String, State>> finishedDependencies(
      SqlClient client, List<Job> active, Map<String, Job> byId) {
    Set<String> missing = new HashSet<>();
    for (Job j : active) {
      if (j.state() == State.PENDING) {
        for (String dep : j.waitForJobIds()) {
          if (!byId.containsKey(dep)) {
            missing.add(dep);
          }
        }
      }
    }
    return Chunks.of(new ArrayList<>(missing), ids -> ctx.jobs().statesOf(client, ids))
        .map(
            found -> {
              Map<String, State> out = new HashMap<>();
              found.forEach(out::putAll);
              return out;
            });
  }
}

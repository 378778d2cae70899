package org.rap.controller.scheduler;

import java.util.List;
import org.rap.common.model.State;
import org.rap.controller.db.TaskRepository.RunJobState;

/**
 * What a pass knows about one job besides the job itself: everything {@link JobRules} reads.
 *
 * @param backendPaused flag {@code paused} of the job's backend
 * @param dbMaintenance flag {@code mode} of the job's backend is {@code db-maintenance}
 * @param latestTask a running job's latest RUNJOB task (null when it has none, or for a pending
 *     job)
 * @param erroredAttempts a running job whose latest task ended with an agent error: the tasks that
 *     did so, this one included
 * @param dependencies a pending job: the states of the jobs it waits for, as decided so far in the
 *     pass (ids that name no job are left out)
 * @param room a pending job: its room in the worker pool it would join
 */
record JobFacts(
    boolean backendPaused,
    boolean dbMaintenance,
    RunJobState latestTask,
    int erroredAttempts,
    List<State> dependencies,
    Room room) {

  /** A pending job's room in its backend's pool of workers for its kind (database or not). */
  interface Room {
    /** The job's resource weight. */
    double weight();

    /** Whether the job fits: the weights running in the pool plus its own are within the limit. */
    boolean fits();

    /**
     * @param used weight of the jobs running in the pool (those started earlier in the pass too)
     * @param limit {@code MAX_WORKERS} or {@code MAX_DB_WORKERS}
     */
    static Room of(double used, double weight, double limit) {
      return new Fixed(used, weight, limit);
    }

    /** No room at all (not asked of running jobs). */
    Room NONE = of(0, 0, 0);
  }

  private record Fixed(double used, double weight, double limit) implements Room {
    @Override
    public boolean fits() {
      return used + weight <= limit;
    }
  }
}

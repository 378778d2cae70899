package org.rap.controller.scheduler;

import java.util.List;
import java.util.Map;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.controller.db.TaskRepository.RunJobState;

/**
 * Everything one pass reads up front ({@link SnapshotReader}), one query each: the flags, the
 * active jobs, the latest RUNJOB task of every running job, for running jobs whose latest task just
 * ended with an agent error the number of such tasks, and the states of finished jobs that pending
 * jobs wait for.
 */
record PassSnapshot(
    Flags flags,
    List<Job> active,
    Map<String, Job> byId,
    Map<String, RunJobState> runJobs,
    Map<String, Integer> erroredAttempts,
    Map<String, State> finishedDependencies) {

  /** A job's state before the pass: active, finished, or null when no job has that id. */
  State stateBefore(String jobId) {
    Job active = byId.get(jobId);
    return active != null ? active.state() : finishedDependencies.get(jobId);
  }

  /**
   * MAX_TASK_ATTEMPTS counts the tasks the agent ended with an error; a job whose latest task did
   * not end so is on the attempt its task id says.
   */
  int erroredAttempts(String jobId, RunJobState task) {
    Integer counted = erroredAttempts.get(jobId);
    if (counted != null) {
      return counted;
    }
    return task == null ? 0 : JobRules.attemptNumber(task.id());
  }
}

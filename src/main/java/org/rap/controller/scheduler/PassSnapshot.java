package org.rap.controller.scheduler;

import java.util.List;
import java.util.Map;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.controller.db.TaskRepository.RunJobState;

/**
 * Everything a full pass reads up front ({@link SnapshotReader}), one query each: the flags, the
 * active jobs, the latest RUNJOB task of every running job, for running jobs whose latest task just
 * ended with an agent error the number of such tasks, and the states of finished jobs that pending
 * jobs wait for. It becomes the scheduler's {@link ActiveJobs}.
 */
record PassSnapshot(
    Flags flags,
    List<Job> active,
    Map<String, Job> byId,
    Map<String, RunJobState> runJobs,
    Map<String, Integer> erroredAttempts,
    Map<String, State> finishedDependencies) {}

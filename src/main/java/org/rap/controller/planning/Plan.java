package org.rap.controller.planning;

import java.util.List;
import org.rap.common.model.Job;

/** What {@link JobPlanner} decided: new jobs to insert, or nothing to do (with its text). */
public sealed interface Plan {
  /** New jobs in the reference's order (the workspace's actions first, then new actions). */
  record NewJobs(List<Job> jobs) implements Plan {
    public NewJobs {
      jobs = List.copyOf(jobs);
    }
  }

  record NothingToDo(String details) implements Plan {}
}

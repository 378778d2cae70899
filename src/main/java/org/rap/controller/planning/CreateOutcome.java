package org.rap.controller.planning;

import java.util.List;
import org.rap.common.model.Job;

/** What job creation did: inserted new jobs, or found nothing to do (with the reference's text). */
public sealed interface CreateOutcome {
  record Created(List<Job> jobs) implements CreateOutcome {}

  /**
   * {@code details} is {@code All actions have already completed successfully} or {@code All
   * requested actions were already scheduled to run}.
   */
  record NothingToDo(String details) implements CreateOutcome {}
}

package org.rap.agent.executor;

import org.rap.common.model.JobDefinition;
import org.rap.common.model.JobIds;

/**
 * The labels that tie a job's run to the agent and the attempt that started it (docs/spec/task-
 * api.md section 8.3): on a container runtime several agents share, an agent tells its own runs
 * from others', and an attempt tells an earlier attempt's run (to remove) from a later one's (which
 * means it is stale itself).
 */
public final class RunLabels {
  /** The {@code AGENT_ID} of the agent that started the run. */
  public static final String AGENT = "rap.agent";

  /** The RUNJOB task (attempt) the run belongs to. */
  public static final String TASK = "rap.task";

  private RunLabels() {}

  /** How a run relates to the attempt {@code job} is. */
  public enum Relation {
    /** The same attempt, or a run that names none (started before runs were labelled). */
    SAME,
    EARLIER,
    LATER
  }

  public static String taskOf(JobRun run) {
    return run.labels() == null ? "" : run.labels().getString(TASK, "");
  }

  public static Relation relation(JobRun run, JobDefinition job) {
    String theirs = taskOf(run);
    String mine = job.taskId() == null ? "" : job.taskId();
    if (theirs.isEmpty() || mine.isEmpty() || theirs.equals(mine)) {
      return Relation.SAME;
    }
    return JobIds.attemptOf(theirs) < JobIds.attemptOf(mine) ? Relation.EARLIER : Relation.LATER;
  }

  /** A run an agent started: the job and the attempt. */
  public record OwnedRun(String jobId, String taskId) {}
}

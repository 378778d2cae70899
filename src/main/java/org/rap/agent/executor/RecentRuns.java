package org.rap.agent.executor;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.rap.common.model.JobDefinition;

/**
 * Per job, the run that the last status found, for the transition its caller starts next (prepare,
 * execute, finalize and terminate each check the state again before they act). A status stands for
 * one transition only, of the same attempt, and only within {@link #FRESH}: handlings of one job
 * never overlap, so nothing but that transition changes the run meanwhile, and the runtime is asked
 * once per step instead of twice.
 */
final class RecentRuns {
  static final Duration FRESH = Duration.ofMillis(200);

  private record Seen(String taskId, Optional<JobRun> run, long atNs) {}

  private final Map<String, Seen> seen = new ConcurrentHashMap<>();
  private final LongSupplier nanoTime;

  RecentRuns(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  void record(JobDefinition job, Optional<JobRun> run) {
    seen.put(job.id(), new Seen(job.taskId(), run, nanoTime.getAsLong()));
  }

  /** The run a status of this attempt found less than {@link #FRESH} ago (used up), if any. */
  Optional<Optional<JobRun>> take(JobDefinition job) {
    Seen s = seen.remove(job.id());
    if (s != null
        && Objects.equals(s.taskId(), job.taskId())
        && nanoTime.getAsLong() - s.atNs() < FRESH.toNanos()) {
      return Optional.of(s.run());
    }
    return Optional.empty();
  }

  /** The job's run changes (removed, abandoned): what was seen no longer holds. */
  void forget(String jobId) {
    seen.remove(jobId);
  }
}

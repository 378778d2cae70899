package org.rap.controller.scheduler;

import java.util.HashMap;
import java.util.Map;
import org.rap.common.config.BackendSettings;
import org.rap.common.config.ControllerConfig;
import org.rap.common.model.Job;

/**
 * The workers of each backend (docs/spec/scheduling.md section 7): two pools, for database jobs
 * ({@code MAX_DB_WORKERS}) and the others ({@code MAX_WORKERS}), filled with the resource weights
 * of the running jobs. The scheduler keeps one up to date with the active jobs ({@link ActiveJobs})
 * and gives each pass a {@link #copy} that the pass updates as it starts and stops jobs.
 */
final class WorkerPools {
  private final Map<String, ResourceWeights> weights;
  private final ControllerConfig config;

  /**
   * Weight in use per backend, [non-database, database], in millionths: kept up to date by
   * additions and subtractions over the controller's life, so held exactly.
   */
  private final Map<String, long[]> used = new HashMap<>();

  WorkerPools(Map<String, ResourceWeights> weights, ControllerConfig config) {
    this.weights = weights;
    this.config = config;
  }

  /** An independent copy (a pass's view). */
  WorkerPools copy() {
    WorkerPools c = new WorkerPools(weights, config);
    used.forEach((b, pool) -> c.used.put(b, pool.clone()));
    return c;
  }

  void started(Job job) {
    pool(job)[slot(job)] += micros(weightOf(job));
  }

  void stopped(Job job) {
    pool(job)[slot(job)] -= micros(weightOf(job));
  }

  /** The job's room in its pool, as the pool stands when asked. */
  JobFacts.Room roomFor(Job job) {
    return new JobFacts.Room() {
      @Override
      public double weight() {
        return weightOf(job);
      }

      @Override
      public boolean fits() {
        return usedBy(job) + micros(weight()) <= micros(limitOf(job));
      }
    };
  }

  /**
   * Whether no job of the pool {@code job} would join can start: even the lightest weight the
   * backend's weights allow does not fit.
   */
  boolean full(Job job) {
    double lightest = weights.getOrDefault(job.backend(), ResourceWeights.none()).lightest();
    return usedBy(job) + micros(lightest) > micros(limitOf(job));
  }

  private long usedBy(Job job) {
    long[] pool = used.get(job.backend());
    return pool == null ? 0 : pool[slot(job)];
  }

  private double limitOf(Job job) {
    BackendSettings b = config.backend(job.backend());
    return b == null ? 0 : job.requiresDb() ? b.maxDbWorkers() : b.maxWorkers();
  }

  private double weightOf(Job job) {
    return weights.getOrDefault(job.backend(), ResourceWeights.none()).weightOf(job);
  }

  private long[] pool(Job job) {
    return used.computeIfAbsent(job.backend(), b -> new long[2]);
  }

  private static long micros(double weight) {
    return Math.round(weight * 1_000_000);
  }

  private static int slot(Job job) {
    return job.requiresDb() ? 1 : 0;
  }
}

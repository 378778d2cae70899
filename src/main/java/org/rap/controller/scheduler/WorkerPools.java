package org.rap.controller.scheduler;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rap.common.config.BackendSettings;
import org.rap.common.config.ControllerConfig;
import org.rap.common.model.Job;
import org.rap.common.model.State;

/**
 * The workers of each backend during one pass (docs/spec/scheduling.md section 7): two pools, for
 * database jobs ({@code MAX_DB_WORKERS}) and the others ({@code MAX_WORKERS}), filled with the
 * resource weights of the running jobs and updated as the pass starts and stops jobs.
 */
final class WorkerPools {
  private final Map<String, ResourceWeights> weights;
  private final ControllerConfig config;

  /** Weight in use per backend: [non-database, database]. */
  private final Map<String, double[]> used = new HashMap<>();

  /** The pools with the running jobs among {@code active}. */
  WorkerPools(Map<String, ResourceWeights> weights, ControllerConfig config, List<Job> active) {
    this.weights = weights;
    this.config = config;
    for (Job j : active) {
      if (j.state() == State.RUNNING) {
        started(j);
      }
    }
  }

  void started(Job job) {
    pool(job)[slot(job)] += weightOf(job);
  }

  void stopped(Job job) {
    pool(job)[slot(job)] -= weightOf(job);
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
        BackendSettings b = config.backend(job.backend());
        double limit = b == null ? 0 : job.requiresDb() ? b.maxDbWorkers() : b.maxWorkers();
        double[] pool = used.get(job.backend());
        return (pool == null ? 0 : pool[slot(job)]) + weight() <= limit;
      }
    };
  }

  private double weightOf(Job job) {
    return weights.getOrDefault(job.backend(), ResourceWeights.none()).weightOf(job);
  }

  private double[] pool(Job job) {
    return used.computeIfAbsent(job.backend(), b -> new double[2]);
  }

  private static int slot(Job job) {
    return job.requiresDb() ? 1 : 0;
  }
}

package org.rap.agent.executor;

import org.rap.agent.metrics.RunningJob;

/**
 * Told what the lifecycle finds out about jobs' runs, each time it derives a job's state: in the
 * agent the executor verticle publishes it for the metrics verticle ({@code run.started}, {@code
 * run.stopped}). Called on worker threads; must not block. Repeats are normal.
 */
public interface RunListener {
  RunListener NONE =
      new RunListener() {
        @Override
        public void started(RunningJob job) {}

        @Override
        public void stopped(String jobId) {}
      };

  /** The job's run was found running. */
  void started(RunningJob job);

  /** The job's run has stopped, or the job has none any more. */
  void stopped(String jobId);
}

package org.rap.controller.scheduler;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.rap.common.model.Job;
import org.rap.common.model.JobSpec;

/**
 * The scheduler's inbox for jobs created in this process: the creator hands over the specs of the
 * jobs it has just committed, so that the scheduler's next pass need not read them back (a job's
 * spec never changes; its status is read each pass as for every job). Jobs created elsewhere (an
 * operator command, another controller) are read from the database instead. Thread-safe.
 */
public final class NewJobs {
  /** Bound on specs nobody took (e.g. no scheduler runs in this process). */
  static final int MAX = 1024;

  private final Map<String, JobSpec> specs =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, JobSpec> eldest) {
          return size() > MAX;
        }
      };

  /** Hands over jobs whose insert has been committed. */
  public synchronized void add(Collection<Job> jobs) {
    for (Job j : jobs) {
      specs.put(j.id(), j.spec());
    }
  }

  /** The spec of a job handed over, forgotten once taken; null when unknown. */
  synchronized JobSpec take(String id) {
    return specs.remove(id);
  }

  /** Specs not taken yet. */
  synchronized int size() {
    return specs.size();
  }
}

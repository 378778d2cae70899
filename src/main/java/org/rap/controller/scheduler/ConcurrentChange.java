package org.rap.controller.scheduler;

import io.vertx.core.Future;
import org.rap.common.model.Job;

/**
 * A job's code moved on between a pass's read and its conditional write, so the write changed
 * nothing (a cancel request, an operator command, another controller). The job is decided again on
 * the next pass.
 */
final class ConcurrentChange extends IllegalStateException {
  ConcurrentChange(Job job) {
    super("Job " + job.id() + " changed status concurrently; retrying next pass");
  }

  static Future<Void> of(Job job) {
    return Future.failedFuture(new ConcurrentChange(job));
  }
}

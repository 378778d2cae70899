package org.rap.agent.poller;

import io.vertx.core.Future;
import org.rap.common.model.JobDefinition;

/**
 * Re-validates a job's study repository, branch and commit before prepare (docs/spec/scheduling.md
 * section 6.10; a defence against a compromised controller). Fail with {@link
 * org.rap.agent.executor.ExecutorException} {@code permanent=true} for a repository that is not
 * allowed (the job is finalized with the error), or any other exception for a transient problem
 * (retried on a later round). The lead wires the git layer here; the default accepts everything.
 */
@FunctionalInterface
public interface RepoValidator {
  RepoValidator ACCEPT_ALL = job -> Future.succeededFuture();

  Future<Void> validate(JobDefinition job);
}

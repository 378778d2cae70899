package org.rap.agent.poller;

import io.vertx.core.Future;
import org.rap.agent.executor.ExecutorException;
import org.rap.common.git.GitService;
import org.rap.common.git.GitUnknownRefException;
import org.rap.common.git.RepositoryValidationException;
import org.rap.common.model.JobDefinition;

/**
 * The agent's re-check of a job's study repository, branch and commit before prepare
 * (docs/spec/scheduling.md section 6.10), through the shared git layer. A repository that breaks
 * the rules, an unknown branch or an unreachable commit fail the job (permanent); anything else
 * (network) is retried on a later round.
 */
public final class GitRepoValidator implements RepoValidator {
  private final GitService git;

  public GitRepoValidator(GitService git) {
    this.git = git;
  }

  @Override
  public Future<Void> validate(JobDefinition job) {
    JobDefinition.Study study = job.study();
    return git.validateRepoAndCommit(study.gitRepoUrl(), study.commit(), study.branch())
        .recover(
            e -> {
              if (e instanceof RepositoryValidationException
                  || e instanceof GitUnknownRefException) {
                return Future.failedFuture(ExecutorException.permanent(e.getMessage()));
              }
              return Future.failedFuture(ExecutorException.transientError(e.getMessage(), e));
            });
  }
}

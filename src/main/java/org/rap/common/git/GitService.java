package org.rap.common.git;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.rap.common.telemetry.CallTimer;

/**
 * The git layer for Vert.x code: each call runs the blocking {@link GitRepos} / {@link
 * RepositoryValidator} operation on the shared worker pool {@code rap-git} (so slow network git
 * never starves the default worker pool that the JDBC client uses) and completes on the caller's
 * context. Failures are {@link GitException}s with user-safe messages.
 */
public final class GitService {
  /** Worker threads for git: concurrent fetches beyond this queue up. */
  public static final int POOL_SIZE = 4;

  private final WorkerExecutor executor;
  private final GitRepos repos;
  private final RepositoryValidator validator;

  public GitService(Vertx vertx, GitRepos repos) {
    // shared by name: every GitService of this Vert.x instance uses the same threads; a full
    // history fetch may legitimately take minutes, so only warn after 10
    this.executor = vertx.createSharedWorkerExecutor("rap-git", POOL_SIZE, 10, TimeUnit.MINUTES);
    this.repos = repos;
    this.validator = new RepositoryValidator(repos);
  }

  public GitService(Vertx vertx, GitSettings settings) {
    this(vertx, new GitRepos(settings));
  }

  /** Timing the git network calls with {@code timer} ({@code rap_git_call_seconds}). */
  public GitService(Vertx vertx, GitSettings settings, CallTimer timer) {
    this(vertx, new GitRepos(settings, timer));
  }

  /** The blocking layer, for code that already runs on a worker (e.g. a CLI). */
  public GitRepos repos() {
    return repos;
  }

  public RepositoryValidator validator() {
    return validator;
  }

  public GitSettings settings() {
    return repos.settings();
  }

  /** docs/spec/scheduling.md section 6.10 for a study repository. */
  public Future<Void> validateRepoAndCommit(String repoUrl, String commit, String branch) {
    return blocking(
        () -> {
          validator.validateRepoAndCommit(repoUrl, commit, branch);
          return null;
        });
  }

  /** Reachability of {@code commit} from {@code branch} (no URL-shape checks). */
  public Future<Void> validateBranchAndCommit(String repoUrl, String commit, String branch) {
    return blocking(
        () -> {
          validator.validateBranchAndCommit(repoUrl, commit, branch);
          return null;
        });
  }

  /** One file at a commit; fails with {@link GitFileNotFoundException} when it is absent. */
  public Future<byte[]> readFile(String repoUrl, String commit, String path) {
    return blocking(() -> repos.readFile(repoUrl, commit, path));
  }

  /**
   * As {@link #readFile}; a file above {@code maxBytes} fails with {@link
   * GitFileTooLargeException}.
   */
  public Future<byte[]> readFile(String repoUrl, String commit, String path, long maxBytes) {
    return blocking(() -> repos.readFile(repoUrl, commit, path, maxBytes));
  }

  public Future<Void> checkout(String repoUrl, String commit, Path target) {
    return blocking(
        () -> {
          repos.checkout(repoUrl, commit, target);
          return null;
        });
  }

  public Future<Map<String, String>> lsRemote(String repoUrl) {
    return blocking(() -> repos.lsRemote(repoUrl));
  }

  public Future<String> shaOfRemoteRef(String repoUrl, String ref) {
    return blocking(() -> repos.shaOfRemoteRef(repoUrl, ref));
  }

  /** Runs other git-bound blocking work (e.g. resolving reusable actions) on the git pool. */
  public <T> Future<T> execute(Callable<T> body) {
    return blocking(body);
  }

  private <T> Future<T> blocking(Callable<T> body) {
    return executor.executeBlocking(body, false);
  }
}

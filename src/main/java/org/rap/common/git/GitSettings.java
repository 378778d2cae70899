package org.rap.common.git;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.rap.common.config.CommonConfig;

/**
 * What the git layer needs from configuration (docs/spec/configuration.md section 2).
 *
 * @param reposDir the bare-repository cache, {@code WORKDIR/repos}
 * @param githubProxyDomain replaces {@code github.com} in all network access
 * @param accessToken {@code PRIVATE_REPO_ACCESS_TOKEN}, inserted as user info on the proxy host
 * @param tokenUser {@code jobrunner-ctrl} (controller) or {@code jobrunner-<BACKEND>} (agent)
 * @param allowedGithubOrgs organisations study code may come from
 * @param allowLocalGitRepos accept absolute local paths as repository URLs
 * @param fetchAttempts attempts on transient network errors (reference: 5)
 * @param firstRetryDelay sleep before the second attempt, doubled each time (reference: 4 s)
 */
public record GitSettings(
    Path reposDir,
    String githubProxyDomain,
    Optional<String> accessToken,
    String tokenUser,
    List<String> allowedGithubOrgs,
    boolean allowLocalGitRepos,
    int fetchAttempts,
    Duration firstRetryDelay) {

  public GitSettings {
    accessToken = accessToken.filter(t -> !t.isBlank());
    allowedGithubOrgs = List.copyOf(allowedGithubOrgs);
    if (fetchAttempts < 1) {
      throw new IllegalArgumentException("fetchAttempts must be at least 1");
    }
  }

  /** The controller's settings: token user {@code jobrunner-ctrl}. */
  public static GitSettings forController(CommonConfig common) {
    return from(common, "jobrunner-ctrl");
  }

  /** An agent's settings: token user {@code jobrunner-<backend>}. */
  public static GitSettings forAgent(CommonConfig common, String backend) {
    return from(common, "jobrunner-" + backend);
  }

  private static GitSettings from(CommonConfig common, String user) {
    return new GitSettings(
        common.workdir().resolve("repos"),
        common.githubProxyDomain(),
        common.privateRepoAccessToken(),
        user,
        common.allowedGithubOrgs(),
        common.allowLocalGitRepos(),
        5,
        Duration.ofSeconds(4));
  }

  /** A copy with another retry policy (tests use short delays). */
  public GitSettings withRetries(int attempts, Duration firstDelay) {
    return new GitSettings(
        reposDir,
        githubProxyDomain,
        accessToken,
        tokenUser,
        allowedGithubOrgs,
        allowLocalGitRepos,
        attempts,
        firstDelay);
  }

  /** A copy with another proxy domain and token (tests). */
  public GitSettings withProxy(String proxyDomain, Optional<String> token) {
    return new GitSettings(
        reposDir,
        proxyDomain,
        token,
        tokenUser,
        allowedGithubOrgs,
        allowLocalGitRepos,
        fetchAttempts,
        firstRetryDelay);
  }

  @Override
  public String toString() {
    // never print the token
    return "GitSettings[reposDir="
        + reposDir
        + ", githubProxyDomain="
        + githubProxyDomain
        + ", accessToken="
        + (accessToken.isPresent() ? "********" : "none")
        + ", tokenUser="
        + tokenUser
        + ", allowedGithubOrgs="
        + allowedGithubOrgs
        + ", allowLocalGitRepos="
        + allowLocalGitRepos
        + ", fetchAttempts="
        + fetchAttempts
        + ", firstRetryDelay="
        + firstRetryDelay
        + "]";
  }
}

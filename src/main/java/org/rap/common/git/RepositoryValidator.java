package org.rap.common.git;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The repository, branch and commit rules of docs/spec/scheduling.md section 6.10, used by the
 * controller at create time and by the agent before preparing a job. Blocking (talks to the
 * remote).
 */
public final class RepositoryValidator {
  private final GitSettings settings;
  private final GitRepos repos;

  public RepositoryValidator(GitRepos repos) {
    this.settings = repos.settings();
    this.repos = repos;
  }

  /**
   * All checks for a study repository. Absolute local paths skip them when {@code
   * ALLOW_LOCAL_GIT_REPOS} is on (development and tests), as in the reference.
   */
  public void validateRepoAndCommit(String repoUrl, String commit, String branch)
      throws GitException {
    if (isAllowedLocalPath(repoUrl)) {
      return;
    }
    validateRepoUrl(repoUrl, settings.allowedGithubOrgs());
    validateBranchAndCommit(repoUrl, commit, branch);
  }

  /** Whether {@code url} is an absolute local path that the settings allow. */
  public boolean isAllowedLocalPath(String url) {
    return settings.allowLocalGitRepos() && url != null && url.startsWith("/");
  }

  /** The URL-shape rules, with the reference's messages. */
  public static void validateRepoUrl(String repoUrl, List<String> allowedOrgs)
      throws RepositoryValidationException {
    String url = repoUrl == null ? "" : repoUrl;
    // urlparse: scheme (lower-cased), then "//" netloc up to / ? #, then path up to ? #
    String scheme = "";
    String rest = url;
    int colon = url.indexOf(':');
    if (colon > 0 && url.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
      scheme = url.substring(0, colon).toLowerCase(Locale.ROOT);
      rest = url.substring(colon + 1);
    }
    String netloc = "";
    if (rest.startsWith("//")) {
      rest = rest.substring(2);
      int end = firstOf(rest, "/?#");
      netloc = end < 0 ? rest : rest.substring(0, end);
      rest = end < 0 ? "" : rest.substring(end);
    }
    int end = firstOf(rest, "?#");
    String path = end < 0 ? rest : rest.substring(0, end);
    if (!scheme.equals("https") || !netloc.equals("github.com")) {
      throw new RepositoryValidationException(
          "Repository URL " + repoUrl + " does not start with https://github.com");
    }
    List<String> parts = new ArrayList<>(Arrays.asList(strip(path, '/').split("/", -1)));
    if (parts.isEmpty() || !allowedOrgs.contains(parts.get(0))) {
      throw new RepositoryValidationException(
          "Repository "
              + repoUrl
              + " does not belong to one of the following Github organisations: "
              + String.join(" ", allowedOrgs));
    }
    String expected =
        "https://github.com/" + String.join("/", parts.subList(0, Math.min(2, parts.size())));
    if (!stripTrailing(url, '/').equals(expected) || parts.size() != 2) {
      throw new RepositoryValidationException(
          "Repository "
              + repoUrl
              + " was not of the expected format: "
              + "https://github.com/[organisation]/[project-name]");
    }
  }

  /**
   * The commit must be reachable from {@code refs/heads/<branch>} (so commits only present in pull
   * requests from forks are rejected).
   */
  public void validateBranchAndCommit(String repoUrl, String commit, String branch)
      throws GitException {
    if (branch == null || branch.isEmpty()) {
      throw new RepositoryValidationException("A branch name must be supplied");
    }
    boolean reachable;
    try {
      reachable = repos.commitReachableFromRef(repoUrl, commit, "refs/heads/" + branch);
    } catch (GitUnknownRefException e) {
      throw new RepositoryValidationException("Could not find branch '" + branch + "'");
    }
    if (!reachable) {
      throw new RepositoryValidationException(
          "Could not find commit on branch '" + branch + "': " + commit);
    }
  }

  private static int firstOf(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  private static String strip(String s, char c) {
    int a = 0;
    int b = s.length();
    while (a < b && s.charAt(a) == c) {
      a++;
    }
    while (b > a && s.charAt(b - 1) == c) {
      b--;
    }
    return s.substring(a, b);
  }

  private static String stripTrailing(String s, char c) {
    int b = s.length();
    while (b > 0 && s.charAt(b - 1) == c) {
      b--;
    }
    return s.substring(0, b);
  }
}

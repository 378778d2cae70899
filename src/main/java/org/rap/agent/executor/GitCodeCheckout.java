package org.rap.agent.executor;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.git.GitRepos;
import org.rap.common.git.GitSettings;
import org.rap.common.pipeline.PipelineParser;
import org.rap.common.telemetry.CallTimer;

/**
 * Code checkout and project.yaml action names through the shared git layer ({@link GitRepos}): a
 * bare cache per repository under {@code WORKDIR/repos}, fetch by SHA through the GitHub proxy with
 * the agent's token user {@code jobrunner-<BACKEND>}, token redacted from every message.
 */
public final class GitCodeCheckout implements CodeCheckout, ProjectActions {
  private static final Logger LOG = Logger.getLogger(GitCodeCheckout.class.getName());
  private static final int ACTIONS_CACHE_SIZE = 64;
  private final GitRepos repos;
  private final PipelineParser parser;

  /** Action names per {@code repoUrl@commit}: a commit's project.yaml never changes. */
  private final Map<String, Set<String>> actionsCache =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Set<String>> eldest) {
              return size() > ACTIONS_CACHE_SIZE;
            }
          });

  public GitCodeCheckout(GitRepos repos, PipelineParser parser) {
    this.repos = repos;
    this.parser = parser;
  }

  /** The agent's git settings derived from the executor settings. */
  public static GitCodeCheckout from(ExecutorSettings s, PipelineParser parser) {
    return from(s, parser, CallTimer.NONE);
  }

  /** As above, timing git network calls and checkouts with {@code timer}. */
  public static GitCodeCheckout from(ExecutorSettings s, PipelineParser parser, CallTimer timer) {
    GitSettings git =
        new GitSettings(
            s.reposDir(),
            s.githubProxyDomain(),
            s.privateRepoAccessToken(),
            "jobrunner-" + s.backend(),
            List.of(),
            s.allowLocalGitRepos(),
            5,
            Duration.ofSeconds(4));
    return new GitCodeCheckout(new GitRepos(git, timer), parser);
  }

  @Override
  public void checkout(String repoUrl, String commit, Path target) throws Exception {
    if (commit == null || !commit.matches("[0-9a-f]{40}")) {
      throw new IllegalArgumentException("not a full commit SHA: " + commit);
    }
    repos.checkout(repoUrl, commit, target);
  }

  /** The commit {@code branch} of the remote repository points at (operator repairs). */
  public String commitOf(String repoUrl, String branch) throws Exception {
    return repos.shaOfRemoteRef(repoUrl, branch);
  }

  @Override
  public Optional<Set<String>> actionsAt(String repoUrl, String commit) {
    if (commit == null || !commit.matches("[0-9a-f]{40}")) {
      return Optional.empty();
    }
    String key = repoUrl + "@" + commit;
    Set<String> cached = actionsCache.get(key);
    if (cached != null) {
      return Optional.of(cached);
    }
    try {
      String yaml =
          new String(repos.readFile(repoUrl, commit, "project.yaml"), StandardCharsets.UTF_8);
      Set<String> actions =
          Collections.unmodifiableSet(new LinkedHashSet<>(parser.parse(yaml).actions().keySet()));
      actionsCache.put(key, actions);
      return Optional.of(actions);
    } catch (Exception e) {
      LOG.log(Level.FINE, "Cannot read project.yaml of " + repoUrl + "@" + commit, e);
      return Optional.empty();
    }
  }
}

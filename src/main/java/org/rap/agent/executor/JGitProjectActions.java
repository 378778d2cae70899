package org.rap.agent.executor;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.rap.common.pipeline.PipelineParser;

/**
 * Reads {@code project.yaml} at the study commit from the agent's git cache and returns its
 * action names. Any problem (repository or commit not cached, no file, invalid file) gives
 * "unknown", which leaves the manifest's {@code out_of_date_action} flags alone.
 */
public final class JGitProjectActions implements ProjectActions {
  private static final Logger LOG = Logger.getLogger(JGitProjectActions.class.getName());
  private final Path reposDir;
  private final PipelineParser parser;

  public JGitProjectActions(Path reposDir, PipelineParser parser) {
    this.reposDir = reposDir;
    this.parser = parser;
  }

  @Override
  public Optional<Set<String>> actionsAt(String repoUrl, String commit) {
    Path cache = reposDir.resolve(JGitCodeCheckout.repoName(repoUrl) + ".git");
    if (!Files.isDirectory(cache) || commit == null || !commit.matches("[0-9a-f]{40}")) {
      return Optional.empty();
    }
    try (Repository repo = new FileRepositoryBuilder().setGitDir(cache.toFile()).setMustExist(true).build();
        RevWalk walk = new RevWalk(repo)) {
      RevCommit c = walk.parseCommit(ObjectId.fromString(commit));
      try (TreeWalk tw = TreeWalk.forPath(repo, "project.yaml", c.getTree())) {
        if (tw == null) {
          return Optional.empty();
        }
        String yaml = new String(repo.open(tw.getObjectId(0)).getBytes(), StandardCharsets.UTF_8);
        return Optional.of(new LinkedHashSet<>(parser.parse(yaml).actions().keySet()));
      }
    } catch (Exception e) {
      LOG.log(Level.FINE, "Cannot read project.yaml of " + repoUrl + "@" + commit, e);
      return Optional.empty();
    }
  }
}

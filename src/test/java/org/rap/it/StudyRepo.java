package org.rap.it;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;

/**
 * A local git repository holding a study (the demo study plus extra actions, or given files),
 * committed on {@code main}.
 */
public record StudyRepo(Path dir, String commit) {
  /** The body of a {@code rap/create/} as job-server sends it, for this repository's commit. */
  public JsonObject createBody(String rapId, String workspace, List<String> actions) {
    return new JsonObject()
        .put("backend", "test")
        .put("rap_id", rapId)
        .put("workspace", workspace)
        .put("repo_url", dir.toString())
        .put("branch", "main")
        .put("commit", commit)
        .put("database_name", "default")
        .put("requested_actions", new JsonArray(actions))
        .put("codelists_ok", true)
        .put("force_run_dependencies", false)
        .put("created_by", "alice")
        .put("project", workspace + "-project")
        .put("orgs", new JsonArray().add("opensafely"))
        .put("analysis_scope", new JsonObject());
  }

  /**
   * @param extraActions YAML appended under {@code actions:} of the demo study's project.yaml
   */
  static StudyRepo demoWith(Path dir, String extraActions) throws Exception {
    Path demo = Path.of("examples/demo-study");
    try (Stream<Path> files = Files.walk(demo)) {
      for (Path f : files.toList()) {
        Path target = dir.resolve(demo.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
    Files.writeString(
        dir.resolve("project.yaml"), Files.readString(dir.resolve("project.yaml")) + extraActions);
    return commitAll(dir);
  }

  /** A repository at {@code dir} holding exactly {@code files} (path to text). */
  public static StudyRepo of(Path dir, Map<String, String> files) throws Exception {
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path p = dir.resolve(f.getKey());
      Files.createDirectories(p.getParent());
      Files.writeString(p, f.getValue());
    }
    return commitAll(dir);
  }

  private static StudyRepo commitAll(Path dir) throws Exception {
    try (Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call()) {
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("RAP test", "rap@example.org");
      String commit =
          git.commit()
              .setMessage("study")
              .setAuthor(who)
              .setCommitter(who)
              .setSign(false)
              .call()
              .getName();
      return new StudyRepo(dir.toAbsolutePath(), commit);
    }
  }
}

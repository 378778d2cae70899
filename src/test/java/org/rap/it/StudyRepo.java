package org.rap.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;

/** A local git repository holding the demo study plus extra actions, committed on {@code main}. */
record StudyRepo(Path dir, String commit) {
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

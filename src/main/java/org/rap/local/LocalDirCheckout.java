package org.rap.local;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.rap.agent.executor.CodeCheckout;
import org.rap.agent.outputs.OutputGlob;
import org.rap.common.pipeline.Action;
import org.rap.common.pipeline.Pipeline;

/**
 * "Checks out" the study directory as it is on disk (uncommitted changes included), as {@code
 * opensafely run} does: every regular file and directory except {@code .git}, {@code metadata} and
 * files matching any action's output pattern (a job sees only the outputs of the actions it needs,
 * copied in as its inputs, so an action that works locally only because an output happens to be on
 * disk fails here as it would on a backend); symbolic links are skipped so nothing outside the
 * study reaches the job.
 */
final class LocalDirCheckout implements CodeCheckout {
  private static final Set<String> SKIPPED = Set.of(".git", "metadata");
  private final Path projectDir;
  private final List<OutputGlob> outputs = new ArrayList<>();

  LocalDirCheckout(Path projectDir, Pipeline pipeline) {
    this.projectDir = projectDir;
    for (Action a : pipeline.actions().values()) {
      for (var level : a.outputs().values()) {
        for (String pattern : level.values()) {
          try {
            outputs.add(OutputGlob.compile(pattern));
          } catch (RuntimeException e) {
            // the executor refuses the pattern when the action runs
          }
        }
      }
    }
  }

  @Override
  public void checkout(String repoUrl, String commit, Path target) throws IOException {
    Files.createDirectories(target);
    Files.walkFileTree(
        projectDir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            Path rel = projectDir.relativize(dir);
            if (rel.getNameCount() == 1 && SKIPPED.contains(rel.toString())) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            Files.createDirectories(target.resolve(rel.toString()));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            String rel = projectDir.relativize(file).toString();
            if (attrs.isRegularFile() && outputs.stream().noneMatch(g -> g.matches(rel))) {
              Files.copy(
                  file,
                  target.resolve(rel),
                  StandardCopyOption.REPLACE_EXISTING,
                  StandardCopyOption.COPY_ATTRIBUTES);
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }
}

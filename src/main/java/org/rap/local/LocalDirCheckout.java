package org.rap.local;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import org.rap.agent.executor.CodeCheckout;

/**
 * "Checks out" the study directory as it is on disk (uncommitted changes included), as {@code
 * opensafely run} does: every regular file and directory except {@code .git} and {@code metadata};
 * symbolic links are skipped so nothing outside the study reaches the job.
 */
final class LocalDirCheckout implements CodeCheckout {
  private static final Set<String> SKIPPED = Set.of(".git", "metadata");
  private final Path projectDir;

  LocalDirCheckout(Path projectDir) {
    this.projectDir = projectDir;
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
            if (attrs.isRegularFile()) {
              Files.copy(
                  file,
                  target.resolve(projectDir.relativize(file).toString()),
                  StandardCopyOption.REPLACE_EXISTING,
                  StandardCopyOption.COPY_ATTRIBUTES);
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }
}

package org.rap.agent.executor;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A job volume: the host directory {@code HIGH_PRIVACY_VOLUME_DIR/<job id>} bind-mounted at {@code
 * /workspace}, with its prepared marker {@code .opensafely-timestamp}.
 */
final class JobVolumes {
  private static final Logger LOG = Logger.getLogger(JobVolumes.class.getName());
  static final String TIMESTAMP_FILE = ".opensafely-timestamp";

  private JobVolumes() {}

  /** The prepared marker's time (its content, else its mtime), or null when not prepared. */
  static Long readTimestamp(Path volume) {
    Path f = volume.resolve(TIMESTAMP_FILE);
    if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    try {
      String text = Files.readString(f).strip();
      if (!text.isEmpty()) {
        return Long.parseLong(text);
      }
      return Files.getLastModifiedTime(f).to(TimeUnit.NANOSECONDS);
    } catch (IOException | NumberFormatException e) {
      LOG.log(Level.WARNING, "Failed to read timestamp from volume file " + f, e);
      return null;
    }
  }

  /**
   * When the container runs as another user (with all capabilities dropped it cannot bypass file
   * permissions), the volume's directories must be writable and its files readable and writable by
   * that user. The volume lives under the protected high-privacy tree.
   */
  static void openUpForContainerUser(Path volume) throws IOException {
    Files.walkFileTree(
        volume,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            if (attrs.isRegularFile()) {
              boolean exec = Files.isExecutable(file);
              Files.setPosixFilePermissions(
                  file, PosixFilePermissions.fromString(exec ? "rwxrwxrwx" : "rw-rw-rw-"));
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** Deletes the volume; per-file errors are collected and logged once. */
  static void delete(Path volume) {
    if (!Files.exists(volume, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Map<String, String> failed = new LinkedHashMap<>();
    try {
      Files.walkFileTree(
          volume,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              delete(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
              failed.put(volume.relativize(file).toString(), String.valueOf(exc));
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
              delete(dir);
              return FileVisitResult.CONTINUE;
            }

            private void delete(Path p) {
              try {
                Files.delete(p);
              } catch (IOException e) {
                failed.put(volume.relativize(p).toString(), String.valueOf(e));
              }
            }
          });
    } catch (IOException e) {
      LOG.log(Level.SEVERE, "Failed to cleanup job volume " + volume, e);
    }
    if (!failed.isEmpty()) {
      LOG.severe(
          "could not remove "
              + failed.size()
              + " files from "
              + volume
              + ": "
              + String.join(",", failed.keySet()));
    }
  }
}

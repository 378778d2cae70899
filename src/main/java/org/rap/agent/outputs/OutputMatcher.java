package org.rap.agent.outputs;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Logger;

/**
 * Matches output patterns against the regular files of a job volume (docs/spec/agent-executor.md
 * section 6 step 2). Symlinks count as files only when they resolve to a regular file inside the
 * volume; any pointing outside are refused (never matched, never copied).
 */
public final class OutputMatcher {
  private static final Logger LOG = Logger.getLogger(OutputMatcher.class.getName());

  private OutputMatcher() {}

  /**
   * @param timestampFile the prepared marker; files with a later mtime were created by the job
   */
  public static OutputMatch match(Path volume, Map<String, String> outputSpec, Path timestampFile)
      throws IOException {
    Map<String, FileTime> files = new TreeMap<>();
    List<String> refused = new ArrayList<>();
    listFiles(volume, files, refused);
    Map<String, String> outputs = new LinkedHashMap<>();
    List<String> unmatchedPatterns = new ArrayList<>();
    for (Map.Entry<String, String> e : outputSpec.entrySet()) {
      OutputGlob glob;
      try {
        glob = OutputGlob.compile(e.getKey());
      } catch (PathEscapeException ex) {
        LOG.warning("Refusing output pattern: " + ex.getMessage());
        unmatchedPatterns.add(e.getKey());
        continue;
      }
      boolean any = false;
      for (String f : files.keySet()) {
        if (glob.matches(f)) {
          outputs.put(f, e.getValue());
          any = true;
        }
      }
      if (!any) {
        unmatchedPatterns.add(e.getKey());
      }
    }
    List<String> unmatchedOutputs = new ArrayList<>();
    if (Files.exists(timestampFile, LinkOption.NOFOLLOW_LINKS)) {
      FileTime ref = Files.getLastModifiedTime(timestampFile, LinkOption.NOFOLLOW_LINKS);
      for (Map.Entry<String, FileTime> f : files.entrySet()) {
        if (f.getValue().compareTo(ref) > 0 && !outputs.containsKey(f.getKey())) {
          unmatchedOutputs.add(f.getKey());
        }
      }
    }
    if (!refused.isEmpty()) {
      LOG.warning("Refused symlinks pointing outside the job volume " + volume + ": " + refused);
    }
    return new OutputMatch(outputs, unmatchedPatterns, unmatchedOutputs, refused);
  }

  private static void listFiles(Path volume, Map<String, FileTime> files, List<String> refused)
      throws IOException {
    Path root = volume.toAbsolutePath().normalize();
    Path realRoot = root.toRealPath();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            String rel = root.relativize(file).toString();
            if (attrs.isRegularFile()) {
              files.put(rel, attrs.lastModifiedTime());
            } else if (attrs.isSymbolicLink()) {
              try {
                Path real = file.toRealPath();
                if (!real.startsWith(realRoot)) {
                  refused.add(rel);
                } else if (Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                  files.put(rel, Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS));
                }
              } catch (IOException e) {
                // dangling link: not a file
              }
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException exc) {
            LOG.warning("Cannot read " + file + ": " + exc.getMessage());
            return FileVisitResult.CONTINUE;
          }
        });
  }
}

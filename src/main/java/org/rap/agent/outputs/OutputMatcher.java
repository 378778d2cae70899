package org.rap.agent.outputs;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * Matches output patterns against the regular files of a job volume (docs/spec/agent-executor.md
 * section 6 step 2). Symlinks count as files only when they resolve to a regular file inside the
 * volume; any pointing outside are refused (never matched, never copied).
 *
 * <p>One streaming walk in bounded memory, whatever the job left in its volume: at most {@code
 * maxFiles} matched names are kept (beyond that only counted: the job fails), and at most {@link
 * #MAX_LISTED} names of each other kind. Names are read as the bytes on disk ({@link RawPaths}), so
 * nothing depends on the JVM's locale; a matched file whose name cannot be filed ({@link
 * OutputNames#problem}) or that the agent cannot read is a problem, reported with its name shown
 * safely.
 */
public final class OutputMatcher {
  private static final Logger LOG = Logger.getLogger(OutputMatcher.class.getName());

  /** Names listed per kind (unmatched outputs, refused entries, problems). */
  public static final int MAX_LISTED = 1000;

  private OutputMatcher() {}

  /**
   * @param timestampFile the prepared marker; files with a later mtime were created by the job
   * @param maxFiles matched files beyond this are counted, not kept
   */
  public static OutputMatch match(
      Path volume, Map<String, String> outputSpec, Path timestampFile, long maxFiles)
      throws IOException {
    List<Map.Entry<String, String>> spec = new ArrayList<>(outputSpec.entrySet());
    List<OutputGlob> globs = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    for (Map.Entry<String, String> e : spec) {
      try {
        globs.add(OutputGlob.compile(e.getKey()));
      } catch (PathEscapeException ex) {
        LOG.warning("Refusing output pattern: " + ex.getMessage());
        globs.add(null);
        refused.add("pattern '" + OutputNames.display(e.getKey()) + "': " + ex.getMessage());
      }
    }
    FileTime ref =
        Files.exists(timestampFile, LinkOption.NOFOLLOW_LINKS)
            ? Files.getLastModifiedTime(timestampFile, LinkOption.NOFOLLOW_LINKS)
            : null;
    Walk walk = new Walk(volume, spec, globs, ref, maxFiles, refused);
    walk.run();

    Map<String, String> outputs = new LinkedHashMap<>();
    List<String> unmatchedPatterns = new ArrayList<>();
    for (int k = 0; k < spec.size(); k++) {
      if (walk.perPattern.get(k).isEmpty() && !walk.patternHit[k]) {
        unmatchedPatterns.add(spec.get(k).getKey());
      }
      for (String f : walk.perPattern.get(k)) {
        outputs.put(f, spec.get(k).getValue());
      }
    }
    if (!walk.refused.isEmpty()) {
      LOG.warning("Refused entries of job volume " + volume + ": " + walk.refused);
    }
    return new OutputMatch(
        outputs,
        unmatchedPatterns,
        List.copyOf(walk.unmatched),
        List.copyOf(walk.refused),
        List.copyOf(walk.problems),
        walk.matched,
        walk.totalBytes);
  }

  /** The walk's state: names kept per pattern, counts, and the bounded lists. */
  private static final class Walk {
    final Path root;
    final Path realRoot;
    final List<Map.Entry<String, String>> spec;
    final List<OutputGlob> globs;
    final FileTime ref;
    final long maxFiles;
    final List<TreeSet<String>> perPattern = new ArrayList<>();
    final boolean[] patternHit;
    final Set<String> kept = new HashSet<>();
    final TreeSet<String> unmatched = new TreeSet<>();
    final List<String> refused;
    final List<String> problems = new ArrayList<>();
    long matched;
    long totalBytes;

    Walk(
        Path volume,
        List<Map.Entry<String, String>> spec,
        List<OutputGlob> globs,
        FileTime ref,
        long maxFiles,
        List<String> refused)
        throws IOException {
      this.root = volume.toAbsolutePath().normalize();
      this.realRoot = root.toRealPath();
      this.spec = spec;
      this.globs = globs;
      this.ref = ref;
      this.maxFiles = maxFiles;
      this.refused = refused;
      this.patternHit = new boolean[spec.size()];
      spec.forEach(e -> perPattern.add(new TreeSet<>()));
    }

    void run() throws IOException {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              visit(file, attrs);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
              byte[] name = RawPaths.relative(root, file);
              listed(
                  refused,
                  "'" + OutputNames.display(name) + "': could not be read (" + reason(exc) + ")");
              return FileVisitResult.CONTINUE;
            }
          });
    }

    private void visit(Path file, BasicFileAttributes attrs) {
      byte[] name = RawPaths.relative(root, file);
      long size;
      FileTime mtime = attrs.lastModifiedTime();
      if (attrs.isRegularFile()) {
        size = attrs.size();
      } else if (attrs.isSymbolicLink()) {
        try {
          Path real = file.toRealPath();
          if (!real.startsWith(realRoot)) {
            listed(
                refused,
                "'"
                    + OutputNames.display(name)
                    + "': a symlink pointing outside the job's workspace");
            return;
          }
          BasicFileAttributes target = Files.readAttributes(real, BasicFileAttributes.class);
          if (!target.isRegularFile()) {
            return;
          }
          size = target.size();
        } catch (IOException e) {
          return; // dangling link: not a file
        }
      } else {
        return;
      }
      String text = OutputNames.lenient(name);
      boolean any = false;
      String level = null;
      for (int k = 0; k < globs.size(); k++) {
        if (globs.get(k) != null && globs.get(k).matches(text)) {
          any = true;
          level = spec.get(k).getValue();
          patternHit[k] = true;
        }
      }
      if (!any) {
        if (ref != null && mtime.compareTo(ref) > 0) {
          unmatched.add(OutputNames.display(name));
          if (unmatched.size() > MAX_LISTED) {
            unmatched.pollLast();
          }
        }
        return;
      }
      matched++;
      totalBytes += size;
      Optional<String> problem = OutputNames.problem(name, level);
      if (problem.isEmpty() && !Files.isReadable(file)) {
        problem = Optional.of("the agent may not read it (permission denied)");
      }
      if (problem.isPresent()) {
        listed(problems, "'" + OutputNames.display(name) + "': " + problem.get());
        return;
      }
      if (kept.size() >= maxFiles) {
        return; // too many: counted only, the job fails
      }
      kept.add(text);
      for (int k = 0; k < globs.size(); k++) {
        if (globs.get(k) != null && globs.get(k).matches(text)) {
          perPattern.get(k).add(text);
        }
      }
    }

    private static void listed(List<String> list, String line) {
      if (list.size() < MAX_LISTED) {
        list.add(line);
      }
    }

    private static String reason(IOException e) {
      String r = e instanceof FileSystemException f ? f.getReason() : null;
      return r != null ? r : e.getClass().getSimpleName();
    }
  }
}

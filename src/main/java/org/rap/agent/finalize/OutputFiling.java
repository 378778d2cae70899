package org.rap.agent.finalize;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.rap.agent.outputs.OutputMatch;
import org.rap.agent.outputs.OutputMatcher;
import org.rap.agent.outputs.OutputNames;
import org.rap.agent.outputs.OutputPersister;
import org.rap.agent.outputs.RawPaths;
import org.rap.common.config.JobOutputLimits;
import org.rap.common.model.JobDefinition;

/**
 * The output step of finalizing a job, whatever ran it (docs/spec/agent-executor.md sections 6, 6.1
 * and 13): match the output patterns in the job's volume and decide whether the outputs can be
 * filed at all ({@link OutputPersister} then files them).
 *
 * <p>Everything that would make filing fail because of what the job left is checked <em>before
 * anything is copied</em>, so a refused job leaves nothing half-filed: output names that cannot be
 * filed (see {@link OutputNames}) or read, more files than {@code MAX_OUTPUT_FILES}, a total
 * apparent size (a sparse file counts whole) over {@code MAX_OUTPUT_BYTES}, and destination paths
 * longer than the filesystem takes. Such a job fails at once with a {@link Refusal}; retrying it
 * cannot help.
 */
public final class OutputFiling {
  /** The longest path the filesystem takes (Linux {@code PATH_MAX} without the NUL). */
  static final int PATH_MAX = 4095;

  /** Room for a temporary name next to a destination (AtomicFiles) and the .txt explanation. */
  private static final int NAME_ROOM = 80;

  /**
   * Why a job's outputs were not filed.
   *
   * @param message for everyone, including the controller: names no file
   * @param details for the job log: one line per problem, names shown safely
   */
  public record Refusal(String message, List<String> details) {}

  private OutputFiling() {}

  /** Matches the job's output patterns in its volume (every pattern unmatched without one). */
  public static OutputMatch match(
      JobDefinition job, Path volume, Path timestampFile, JobOutputLimits limits)
      throws IOException {
    if (!Files.isDirectory(volume)) {
      return new OutputMatch(
          Map.of(),
          new ArrayList<>(job.outputSpec().keySet()),
          List.of(),
          List.of(),
          List.of(),
          0,
          0);
    }
    return OutputMatcher.match(volume, job.outputSpec(), timestampFile, limits.maxOutputFiles());
  }

  /** Why the matched outputs cannot be filed, or empty when they can. */
  public static Optional<Refusal> refusal(
      OutputMatch match, JobOutputLimits limits, Path highWorkspace, Path mediumWorkspace) {
    List<String> problems = new ArrayList<>(match.problems());
    int high = RawPaths.bytes(highWorkspace).length;
    int medium = RawPaths.bytes(mediumWorkspace).length;
    match
        .outputs()
        .forEach(
            (name, level) -> {
              int bytes = name.getBytes(StandardCharsets.UTF_8).length;
              int longest =
                  Math.max(
                      high + 1 + bytes,
                      OutputPersister.MODERATELY_SENSITIVE.equals(level) ? medium + 1 + bytes : 0);
              if (longest + NAME_ROOM > PATH_MAX && problems.size() < OutputMatcher.MAX_LISTED) {
                problems.add(
                    "'"
                        + OutputNames.display(name)
                        + "': its path is "
                        + bytes
                        + " bytes long, too long to be filed on this backend");
              }
            });
    if (!problems.isEmpty()) {
      String count = problems.size() == 1 ? "1 output file" : problems.size() + " output files";
      return Optional.of(
          new Refusal(
              "The job's outputs were not filed: "
                  + count
                  + " cannot be filed (the job log names them and says why).",
              problems));
    }
    if (match.matchedFiles() > limits.maxOutputFiles()) {
      String m =
          "The job's outputs were not filed: it produced "
              + match.matchedFiles()
              + " output files, more than the limit of "
              + limits.maxOutputFiles()
              + " per job (MAX_OUTPUT_FILES).";
      return Optional.of(new Refusal(m, List.of(m)));
    }
    if (match.totalBytes() > limits.maxOutputBytes()) {
      String m =
          "The job's outputs were not filed: together they are "
              + size(match.totalBytes())
              + ", more than the limit of "
              + size(limits.maxOutputBytes())
              + " per job (MAX_OUTPUT_BYTES).";
      return Optional.of(new Refusal(m, List.of(m)));
    }
    return Optional.empty();
  }

  /** A size for people: {@code 2.0 GiB (2147483648 bytes)}. */
  static String size(long bytes) {
    String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    if (u == 0) {
      return bytes + " bytes";
    }
    return String.format(Locale.ROOT, "%.1f %s (%d bytes)", v, units[u], bytes);
  }
}

package org.rap.local;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.rap.agent.outputs.JobLog;
import org.rap.common.model.StatusMessages;

/**
 * The report at the end of a local run, laid out as {@code opensafely run} lays it out: per action
 * its status message, log file and outputs with their privacy level; for a failed action also its
 * exit code, a hint and the last lines of its log. Failed actions come last; actions that never
 * started because a dependency failed are named once at the end. With {@code github} the output
 * suits a GitHub Actions log (bold names, each log file in a folded group).
 */
public final class RunSummary {
  static final int LOG_LINES = 32;
  private static final String BOLD = "\u001b[1m";
  private static final String GREY = "\u001b[38;5;248m";
  private static final String RESET = "\u001b[0m";

  private RunSummary() {}

  public static void print(
      PrintStream out, Path projectDir, List<ActionResult> results, boolean github) {
    out.println();
    List<ActionResult> shown = new ArrayList<>();
    List<String> notRun = new ArrayList<>();
    for (ActionResult r : results) {
      if (r.skipped()) {
        notRun.add(r.action() + " (" + lowerFirst(r.message()) + ")");
      } else {
        shown.add(r);
      }
    }
    shown.sort(Comparator.comparing((ActionResult r) -> r.succeeded() ? 0 : 1));
    if (shown.isEmpty()) {
      out.println("=> No actions ran");
    }
    for (ActionResult r : shown) {
      out.println(github ? BOLD + "=> " + r.action() + RESET : "=> " + r.action());
      out.println(indent(r.message().strip(), "   "));
      if (!r.unmatchedOutputs().isEmpty()) {
        out.println("\n   Did you mean to match one of these files instead?");
        r.unmatchedOutputs().forEach(f -> out.println("    - " + f));
      }
      if (!r.succeeded() && r.exitCode() != null) {
        out.println("   exit code: " + r.exitCode() + (r.oomKilled() ? " (out of memory)" : ""));
      }
      if (r.hint() != null) {
        out.println(indent("hint: " + r.hint(), "   "));
      }
      out.println();
      if (r.log() != null) {
        if (github) {
          out.println("::group:: log file: " + r.log() + " " + GREY + "(click to view)" + RESET);
          String line = GREY + "\u2015".repeat(80) + RESET;
          out.println(line);
          out.print(read(projectDir.resolve(r.log())));
          out.println(line);
          out.println("::endgroup::");
        } else {
          out.println("   log file: " + r.log());
        }
      }
      out.println("   outputs:");
      out.println(table(r.outputs(), "(no outputs)"));
      if (!r.excluded().isEmpty()) {
        out.println("   invalid moderately_sensitive outputs:");
        out.println(table(r.excluded(), ""));
      }
      if (!r.succeeded() && r.exitCode() != null && r.exitCode() != 0 && r.log() != null) {
        Snippet s = snippet(projectDir.resolve(r.log()), LOG_LINES);
        if (!s.text().isEmpty()) {
          out.println(
              "\n   logs" + (s.truncated() ? " (last " + LOG_LINES + " lines)" : "") + ":\n");
          out.println(indent(s.text(), "     "));
        }
      }
      out.println();
    }
    if (!notRun.isEmpty()) {
      out.println("=> Not run: " + String.join(", ", notRun));
      out.println();
    }
  }

  private static String lowerFirst(String s) {
    if (s.equals(StatusMessages.DEPENDENCY_FAILED)) {
      return "a dependency failed";
    }
    return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
  }

  /** Two aligned columns, indent 5, separator {@code " - "} (the reference's layout). */
  static String table(Map<String, String> rows, String empty) {
    if (rows.isEmpty()) {
      return "     " + empty;
    }
    Map<String, String> sorted = new TreeMap<>(rows);
    int w = sorted.keySet().stream().mapToInt(String::length).max().orElse(0);
    List<String> lines = new ArrayList<>();
    sorted.forEach((k, v) -> lines.add("     " + k + " ".repeat(w - k.length()) + "  - " + v));
    return String.join("\n", lines);
  }

  record Snippet(String text, boolean truncated) {}

  /**
   * The end of the container's own output in an action log: the log starts with Docker's
   * timestamped lines and ends with the job summary; timestamps are cut off.
   */
  static Snippet snippet(Path log, int maxLines) {
    String contents = read(log);
    int end = contents.indexOf(JobLog.SUMMARY_MARKER);
    String docker = end < 0 ? contents : contents.substring(0, end);
    List<String> lines = new ArrayList<>();
    for (String line : docker.split("\n", -1)) {
      if (line.isEmpty()) {
        continue;
      }
      int space = line.indexOf(' ');
      boolean stamped = space > 0 && line.substring(0, space).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
      lines.add(stamped ? line.substring(space + 1) : line);
    }
    boolean truncated = lines.size() > maxLines;
    List<String> tail = truncated ? lines.subList(lines.size() - maxLines, lines.size()) : lines;
    return new Snippet(String.join("\n", tail).strip(), truncated);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  static String indent(String text, String prefix) {
    return prefix + text.replace("\n", "\n" + prefix);
  }
}

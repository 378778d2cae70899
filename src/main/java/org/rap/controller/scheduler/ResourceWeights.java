package org.rap.controller.scheduler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.rap.common.model.Job;

/**
 * Job resource weights of one backend (docs/spec/scheduling.md section 7), from the optional INI
 * file {@code WORKDIR/job-resource-weights_<backend>.ini}: a section per workspace maps {@code
 * action_regex = weight} (full match on the action), section {@code [default]} maps {@code
 * run_command_regex = weight} (full match on the run command); otherwise weight 1.
 *
 * <p>Like the reference's INI parser: only {@code =} separates key and value, keys are lower-cased
 * (so patterns with upper-case letters never match as written), lines starting with {@code #} or
 * {@code ;} are comments.
 */
public final class ResourceWeights {
  /** One {@code pattern = weight} line. */
  record Rule(Pattern pattern, double weight) {}

  private final Map<String, List<Rule>> sections;

  ResourceWeights(Map<String, List<Rule>> sections) {
    this.sections = sections;
  }

  public static ResourceWeights none() {
    return new ResourceWeights(Map.of());
  }

  /** The INI file path for a backend. */
  public static Path file(Path workdir, String backend) {
    return workdir.resolve("job-resource-weights_" + backend.toLowerCase(Locale.ROOT) + ".ini");
  }

  /** Reads the backend's file; a missing file means every weight is 1. */
  public static ResourceWeights load(Path workdir, String backend) throws IOException {
    Path f = file(workdir, backend);
    if (!Files.exists(f)) {
      return none();
    }
    return parse(Files.readString(f), f.toString());
  }

  /**
   * Parses INI text.
   *
   * @throws IllegalArgumentException naming the file and line for a malformed line, weight or
   *     pattern
   */
  public static ResourceWeights parse(String text, String source) {
    Map<String, List<Rule>> sections = new LinkedHashMap<>();
    List<Rule> current = null;
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      String where = source + " line " + (i + 1);
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      if (line.startsWith("[") && line.endsWith("]")) {
        current =
            sections.computeIfAbsent(line.substring(1, line.length() - 1), k -> new ArrayList<>());
        continue;
      }
      if (current == null) {
        throw new IllegalArgumentException(
            where + ": a 'pattern = weight' line must follow a [section] header");
      }
      int eq = line.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException(
            where + ": expected 'pattern = weight', got '" + line + "'");
      }
      String key = line.substring(0, eq).strip().toLowerCase(Locale.ROOT);
      String value = line.substring(eq + 1).strip();
      double weight;
      try {
        weight = Double.parseDouble(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            where + ": weight must be a number, got '" + value + "'");
      }
      Pattern pattern;
      try {
        pattern = Pattern.compile(key);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(
            where + ": invalid regular expression '" + key + "': " + e.getDescription());
      }
      current.add(new Rule(pattern, weight));
    }
    Map<String, List<Rule>> frozen = new LinkedHashMap<>();
    sections.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
    return new ResourceWeights(Map.copyOf(frozen));
  }

  /** The smallest weight any job can have here (1 unless a line gives less). */
  public double lightest() {
    double min = 1.0;
    for (List<Rule> rules : sections.values()) {
      for (Rule r : rules) {
        min = Math.min(min, r.weight());
      }
    }
    return min;
  }

  /** The job's weight: workspace section by action, then [default] by run command, else 1. */
  public double weightOf(Job job) {
    return weightOf(job.workspace(), job.action(), job.runCommand());
  }

  public double weightOf(String workspace, String action, String runCommand) {
    List<Rule> ws = sections.get(workspace);
    if (ws != null) {
      for (Rule r : ws) {
        if (r.pattern().matcher(action).matches()) {
          return r.weight();
        }
      }
    }
    List<Rule> def = sections.get("default");
    if (def != null) {
      for (Rule r : def) {
        if (r.pattern().matcher(runCommand).matches()) {
          return r.weight();
        }
      }
    }
    return 1.0;
  }
}

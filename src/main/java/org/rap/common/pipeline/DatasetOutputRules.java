package org.rap.common.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The output rules of the dataset-generating commands (docs/spec/project-yaml.md section 5.2):
 * cohortextractor's {@code generate_cohort} writes into one directory, ehrql's {@code
 * generate-dataset} writes only highly sensitive outputs that match its {@code --output} argument.
 */
final class DatasetOutputRules {
  private DatasetOutputRules() {}

  private static ProjectValidationError fail(String message) {
    return ProjectParser.invalid(message);
  }

  static void checkCohortextractorOutputs(
      String a, Map<String, Map<String, String>> levels, List<String> parts)
      throws ProjectValidationError {
    if (levels.size() != 1) {
      throw fail(
          "A `generate_cohort` action must have exactly one output; "
              + a
              + " had "
              + levels.size());
    }
    Set<String> dirs = new LinkedHashSet<>();
    for (Map<String, String> files : levels.values()) {
      for (String f : files.values()) {
        dirs.add(PathRules.parent(f));
      }
    }
    if (dirs.size() == 1) {
      return;
    }
    for (String arg : parts) {
      if (arg.equals("--output-dir") || arg.startsWith("--output-dir=")) {
        return;
      }
    }
    StringBuilder sb =
        new StringBuilder(
                "generate_cohort command should produce output in only one directory, found ")
            .append(dirs.size())
            .append(":\n");
    List<String> lines = new ArrayList<>();
    for (String d : dirs) {
      lines.add(" - " + d + "/");
    }
    throw fail(sb.append(String.join("\n", lines)).toString());
  }

  static void checkEhrqlOutputs(
      String a, Map<String, Map<String, String>> levels, List<String> parts)
      throws ProjectValidationError {
    Map<String, String> moderately = levels.get("moderately_sensitive");
    Map<String, String> minimally = levels.get("minimally_sensitive");
    if ((moderately != null && !moderately.isEmpty())
        || (minimally != null && !minimally.isEmpty())) {
      throw fail(
          "`"
              + a
              + "` action uses `generate-dataset` and so all outputs must be labelled"
              + " `highly_sensitive`");
    }
    String spec = null;
    for (int i = 0; i < parts.size(); i++) {
      String p = parts.get(i);
      if (p.equals("--output")) {
        spec = i + 1 < parts.size() ? parts.get(i + 1) : "";
        break;
      }
      if (p.startsWith("--output=")) {
        spec = p.substring("--output=".length());
        break;
      }
    }
    if (spec == null || spec.isEmpty()) {
      throw fail(
          "`"
              + a
              + "` action does not provide an `--output` argument specifying where the"
              + " results of `generate-dataset` should be stored");
    }
    Map<String, String> highly = levels.get("highly_sensitive");
    List<String> patterns = highly == null ? List.of() : List.copyOf(highly.values());
    String name = PathRules.name(spec);
    int colon = name.lastIndexOf(':');
    boolean matches;
    String expected;
    if (colon < 0) {
      matches = patterns.contains(spec);
      expected = spec;
    } else {
      String directory;
      if (colon == 0) {
        directory = PathRules.parent(spec);
      } else {
        String newName = name.substring(0, colon);
        if (newName.equals(".")) {
          throw fail("`" + a + "` action has an invalid `--output` argument: " + spec);
        }
        String parent = PathRules.parent(spec);
        directory =
            parent.equals(".")
                ? newName
                : parent.endsWith("/") ? parent + newName : parent + "/" + newName;
      }
      String extension = "." + name.substring(colon + 1);
      String glob = directory + "/*" + extension;
      matches = true;
      for (String p : patterns) {
        if (!PathRules.fnmatch(p, glob)) {
          matches = false;
          break;
        }
      }
      expected = directory + "/:" + name.substring(colon + 1);
    }
    if (!matches) {
      throw fail(
          "output specification must match the `--output` argument in the `run` command\n"
              + "              got: "
              + String.join("\n" + " ".repeat(19), patterns)
              + "\n"
              + "but was expecting: "
              + expected);
    }
  }
}

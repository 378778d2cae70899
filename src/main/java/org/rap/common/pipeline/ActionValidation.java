package org.rap.common.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.rap.common.text.Shell;

/**
 * The rules of one action (docs/spec/project-yaml.md section 5.2), in the reference's order: its
 * keys and their types, the output path patterns, the run command and its image version, then the
 * dataset-generating commands' output rules.
 */
final class ActionValidation {
  private static final Set<String> ACTION_KEYS =
      Set.of("run", "outputs", "needs", "config", "dummy_data_file");

  private static final Pattern IMAGE_VERSION =
      Pattern.compile("(?:v[\\p{Nd}.]+(?:-pre)?|dev|latest)\\n?");
  private static final Pattern COHORTEXTRACTOR =
      Pattern.compile("cohortextractor:\\S+ generate_cohort", Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern EHRQL =
      Pattern.compile(
          "(ehrql|databuilder):\\S+ generate[-_]dataset", Pattern.UNICODE_CHARACTER_CLASS);

  private final List<String> warnings;

  /** Warnings go to {@code warnings} (the run's list). */
  ActionValidation(List<String> warnings) {
    this.warnings = warnings;
  }

  private static ProjectValidationError fail(String message) {
    return ProjectParser.invalid(message);
  }

  Action build(Object key, String a, Object value, boolean noRunAll) throws ProjectValidationError {
    String badName = invalidNameReason(a);
    if (badName != null) {
      throw fail("Action name " + shown(a) + " is invalid: " + badName);
    }
    if (ProjectParser.RUN_ALL.equals(key)) {
      if (noRunAll) {
        throw fail(
            "`run_all` is a reserved action name and is not allowed for user-defined actions.");
      }
      warnings.add(
          "ProjectWarning: `run_all` is a reserved action name; user-defined actions with this"
              + " name are ignored and will raise an error in later versions.");
    }
    if (!(value instanceof Map<?, ?> cfg)) {
      throw fail("Configuration for action " + a + " must be a dictionary of key/value pairs");
    }
    for (String required : List.of("run", "outputs")) {
      if (!cfg.containsKey(required)) {
        throw fail("Action " + a + " must contain a configuration for '" + required + "'");
      }
    }
    List<String> unknown = ProjectValidation.unknownKeys(cfg, ACTION_KEYS);
    if (!unknown.isEmpty()) {
      throw fail("Unexpected parameters (" + String.join(", ", unknown) + ") in action " + a);
    }
    Object outputs = cfg.get("outputs");
    Object run = cfg.get("run");
    Object needs = cfg.get("needs");
    Object config = cfg.get("config");
    Object dummy = cfg.get("dummy_data_file");
    if (!(outputs instanceof Map<?, ?> outs)) {
      throw fail("`outputs` section for action " + a + " must be a dictionary of key/value pairs");
    }
    if (!(run instanceof String runText)) {
      throw fail("`run` section for action " + a + " must be a string");
    }
    if (needs != null && !(needs instanceof List)) {
      throw fail("`needs` section for action " + a + " must be a list");
    }
    if (config != null && !(config instanceof Map)) {
      throw fail("`config` section for action " + a + " must be a dictionary of key/value pairs");
    }
    if (dummy != null && !(dummy instanceof String)) {
      throw fail("`dummy_data_file` section for action " + a + " must be a string");
    }

    Map<String, Map<String, String>> levels = outputs(a, outs);
    List<String> parts = runParts(a, runText);

    List<String> needList = new ArrayList<>();
    if (needs != null) {
      for (Object n : (List<?>) needs) {
        if (!(n instanceof String s)) {
          throw fail("`needs` section for action " + a + " must be a list of action names");
        }
        if (s.contains(" ")) {
          throw fail(
              "`needs` actions should be separated with commas, but " + a + " needs `" + s + "`");
        }
        needList.add(s);
      }
    }

    if (COHORTEXTRACTOR.matcher(runText).lookingAt()) {
      DatasetOutputRules.checkCohortextractorOutputs(a, levels, parts);
    }
    if (EHRQL.matcher(runText).lookingAt()) {
      DatasetOutputRules.checkEhrqlOutputs(a, levels, parts);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> configMap =
        config == null
            ? null
            : (Map<String, Object>) ActionConfig.jsonSafe(config, 0, new IdentityHashMap<>());
    return new Action(
        a,
        List.copyOf(parts),
        List.copyOf(needList),
        levels,
        configMap,
        (String) dummy,
        ProjectParser.isDatabaseAction(parts));
  }

  private Map<String, Map<String, String>> outputs(String a, Map<?, ?> outs)
      throws ProjectValidationError {
    if (outs.get("highly_sensitive") == null
        && outs.get("moderately_sensitive") == null
        && outs.get("minimally_sensitive") == null) {
      throw fail(
          "must specify at least one output of: highly_sensitive, moderately_sensitive,"
              + " minimally_sensitive");
    }
    List<String> unknown = ProjectValidation.unknownKeys(outs, Set.copyOf(ProjectParser.LEVELS));
    if (!unknown.isEmpty()) {
      throw fail(
          "Unexpected parameters ("
              + String.join(", ", unknown)
              + ") in `outputs` section for action "
              + a);
    }
    Map<String, Map<String, String>> levels = new LinkedHashMap<>();
    for (String level : ProjectParser.LEVELS) {
      Object lv = outs.get(level);
      if (lv == null) {
        continue;
      }
      if (!(lv instanceof Map<?, ?> named)) {
        throw fail(
            "`" + level + "` section for action " + a + " must be a dictionary of key/value pairs");
      }
      Map<String, String> files = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : named.entrySet()) {
        String outputName = PyText.str(e.getKey());
        if (!(e.getValue() instanceof String filename)) {
          throw fail("`" + outputName + "` output for action " + a + " must be a string");
        }
        String reason = PathRules.invalidReason(filename, level);
        if (reason != null) {
          throw fail("Output path " + filename + " is invalid: " + reason);
        }
        files.put(outputName, filename);
      }
      levels.put(level, Collections.unmodifiableMap(files));
    }
    return Collections.unmodifiableMap(levels);
  }

  private List<String> runParts(String a, String run) throws ProjectValidationError {
    if (run.isEmpty()) {
      throw fail("run must have a value, " + a + " has an empty run key");
    }
    List<String> parts;
    try {
      parts = Shell.split(run);
    } catch (Shell.SplitException e) {
      throw fail("run for action " + a + " could not be parsed: " + e.getMessage());
    }
    if (parts.isEmpty()) {
      throw fail("run must have a value, " + a + " has an empty run key");
    }
    String first = parts.get(0);
    int colon = first.indexOf(':');
    String name = colon < 0 ? first : first.substring(0, colon);
    String version = colon < 0 ? "" : first.substring(colon + 1);
    if (!IMAGE_VERSION.matcher(version).matches()) {
      if (name.length() > 100) {
        name = name.substring(0, 100) + "..."; // a run command of megabytes is not echoed twice
      }
      throw fail(
          "Action command "
              + name
              + " must have a version specified in the form :vN (e.g. "
              + name
              + ":v2)");
    }
    return parts;
  }

  /**
   * Why the agent could not file this action's log ({@code metadata/<name>.log}, written through a
   * temporary file next to it) or show it on one line, or null. Beyond the reference, which accepts
   * any name and fails when the job finishes.
   */
  static String invalidNameReason(String name) {
    if (name.isEmpty()) {
      return "it is empty";
    }
    if (name.equals(".") || name.equals("..")) {
      return "'.' and '..' are not allowed";
    }
    if (name.indexOf('/') >= 0) {
      return "it contains '/'";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return "it contains a control character";
      }
    }
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > ProjectLimits.MAX_ACTION_NAME_BYTES) {
      return "it is "
          + bytes
          + " bytes long, the limit is "
          + ProjectLimits.MAX_ACTION_NAME_BYTES
          + " bytes";
    }
    return null;
  }

  /** The name for a message: as Python's repr, cut after 60 characters. */
  private static String shown(String name) {
    String repr = PyText.reprString(name);
    return repr.length() > 60 ? repr.substring(0, 60) + "..." : repr;
  }
}

package org.rap.common.pipeline;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One validation run over a loaded project.yaml (docs/spec/project-yaml.md section 5): the
 * project-level rules before and after the actions, in the reference's order, collecting warnings.
 */
final class ProjectValidation {
  private static final Set<String> TOP_KEYS = Set.of("version", "actions", "expectations");

  private final List<String> warnings = new ArrayList<>();
  private final ActionValidation actionRules = new ActionValidation(warnings);

  private static ProjectValidationError fail(String message) {
    return ProjectParser.invalid(message);
  }

  Pipeline run(Object data) throws ProjectValidationError {
    if (data == null) {
      throw fail("Project file is empty");
    }
    if (!(data instanceof Map<?, ?> top)) {
      throw fail("Project file must be a dictionary of key/value pairs");
    }
    List<String> unknown = unknownKeys(top, TOP_KEYS);
    if (!unknown.isEmpty()) {
      throw fail("Unexpected parameters (" + String.join(", ", unknown) + ") in project");
    }
    Object rawVersion = top.get("version");
    if (rawVersion == null) {
      throw fail(
          "Project file must have a `version` attribute specifying which version of the"
              + " project configuration format it uses (current latest version is 5)");
    }
    Double version = PyText.toFloat(rawVersion);
    if (version == null) {
      throw fail("`version` must be a number between 1 and 5");
    }
    double v = version;
    if (v != ProjectParser.LATEST_VERSION) {
      warnings.add(
          "ProjectWarning: Your project file is using an old version ("
              + PyText.floatRepr(v)
              + "); consider updating to version 5");
    }
    if (v > ProjectParser.LATEST_VERSION) {
      throw fail("`version` must be a number between 1 and 5");
    }
    boolean uniqueOutputPath = 2 <= v;
    boolean expectationsPopulation = 3 <= v && v <= 3;
    boolean noCohortextractor = 4 <= v;
    boolean noRunAll = 5 <= v;
    boolean noLatest = 5 <= v;

    if (!(top.get("actions") instanceof Map<?, ?> rawActions)) {
      throw fail("Project `actions` section must be a dictionary of key/value pairs");
    }

    LinkedHashMap<String, Action> actions = new LinkedHashMap<>();
    List<String> raws = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Map.Entry<?, ?> e : rawActions.entrySet()) {
      String name = PyText.str(e.getKey());
      if (e.getKey() instanceof String s) {
        names.add(s);
      }
      Action action = actionRules.build(e.getKey(), name, e.getValue(), noRunAll);
      actions.put(name, action);
      raws.add((String) ((Map<?, ?>) e.getValue()).get("run"));
    }
    List<String> order = new ArrayList<>(actions.keySet());

    if (noCohortextractor) {
      for (Action a : actions.values()) {
        if (a.run().get(0).startsWith("cohortextractor")) {
          throw fail(
              "Action "
                  + a.name()
                  + " uses cohortextractor actions, which are not supported in this version.");
        }
      }
    }
    if (noLatest) {
      for (Action a : actions.values()) {
        String first = a.run().get(0);
        if (first.endsWith(":latest")) {
          throw fail(
              "Action "
                  + a.name()
                  + " uses `"
                  + first
                  + "`, which is not supported. Provide a version e.g. `:v2` instead");
        }
      }
    }
    Map<String, List<String>> seenRuns = new HashMap<>();
    for (int i = 0; i < order.size(); i++) {
      List<String> earlier = seenRuns.get(raws.get(i));
      if (earlier != null) {
        throw fail(
            "Action "
                + order.get(i)
                + " has the same 'run' command as other actions: "
                + String.join(" ,", earlier));
      }
      seenRuns.computeIfAbsent(raws.get(i), k -> new ArrayList<>()).add(order.get(i));
    }
    if (uniqueOutputPath) {
      Set<String> seenFiles = new HashSet<>();
      for (Action a : actions.values()) {
        for (Map<String, String> level : a.outputs().values()) {
          for (String filename : level.values()) {
            if (!seenFiles.add(filename)) {
              throw fail("Output path " + filename + " is not unique");
            }
          }
        }
      }
    }
    for (Action a : actions.values()) {
      for (String n : a.needs()) {
        if (!names.contains(n)) {
          throw fail(
              "Action `" + a.name() + "` references an unknown action in its `needs` list: " + n);
        }
      }
    }
    NeedsCycles.check(actions);

    Integer populationSize = expectations(top, noCohortextractor, expectationsPopulation);
    return new Pipeline(
        v, Collections.unmodifiableMap(actions), populationSize, List.copyOf(warnings));
  }

  private Integer expectations(Map<?, ?> top, boolean v4, boolean v3)
      throws ProjectValidationError {
    Object exp = top.get("expectations");
    if (v4) {
      if (exp != null) {
        throw fail(
            "Project includes `expectations` section, which is not supported in this version."
                + " This section is only applicable to deprecated cohortextractor actions; you"
                + " can safely remove it.");
      }
      return null;
    } else if (v3) {
      if (exp == null) {
        throw fail("Project must include `expectations` section");
      }
    } else {
      return 1000;
    }
    if (!(exp instanceof Map<?, ?> m)) {
      throw fail("Project `expectations` section must be a dictionary of key/value pairs");
    }
    if (!m.containsKey("population_size")) {
      throw fail("Project `expectations` section must include `population_size` section");
    }
    List<String> unknown = unknownKeys(m, Set.of("population_size"));
    if (!unknown.isEmpty()) {
      throw fail(
          "Unexpected parameters ("
              + String.join(", ", unknown)
              + ") in project `expectations` section");
    }
    BigInteger size = PyText.toInt(m.get("population_size"));
    if (size == null) {
      throw fail("Project expectations population size must be a number");
    }
    if (size.bitLength() > 31) {
      return size.signum() < 0 ? Integer.MIN_VALUE : Integer.MAX_VALUE;
    }
    return size.intValue();
  }

  /** Keys outside {@code allowed}, rendered with {@code str()}, in file order. */
  static List<String> unknownKeys(Map<?, ?> map, Set<String> allowed) {
    List<String> unknown = new ArrayList<>();
    for (Object k : map.keySet()) {
      if (!(k instanceof String s && allowed.contains(s))) {
        unknown.add(PyText.str(k));
      }
    }
    return unknown;
  }
}

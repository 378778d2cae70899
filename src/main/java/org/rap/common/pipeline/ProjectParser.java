package org.rap.common.pipeline;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.rap.common.text.Shell;

/**
 * Parses and validates project.yaml exactly as the reference pipeline library does
 * (docs/spec/project-yaml.md): same rules, same order, same messages. Where the reference crashes,
 * a clear {@link ProjectValidationError} is raised instead; {@code needs} cycles are rejected.
 *
 * <p>Use {@link #parse(String)} directly or {@link #INSTANCE} where a {@link PipelineParser} is
 * expected.
 */
public final class ProjectParser {
  /** The parser as a {@link PipelineParser}. */
  public static final PipelineParser INSTANCE = ProjectParser::parse;

  public static final double LATEST_VERSION = 5;
  static final String PREFIX = "Invalid project: \n";
  static final String RUN_ALL = "run_all";

  static final List<String> LEVELS =
      List.of("highly_sensitive", "moderately_sensitive", "minimally_sensitive");
  private static final Set<String> TOP_KEYS = Set.of("version", "actions", "expectations");
  private static final Set<String> ACTION_KEYS =
      Set.of("run", "outputs", "needs", "config", "dummy_data_file");

  private static final Pattern IMAGE_VERSION =
      Pattern.compile("(?:v[\\p{Nd}.]+(?:-pre)?|dev|latest)\\n?");
  private static final Pattern COHORTEXTRACTOR =
      Pattern.compile("cohortextractor:\\S+ generate_cohort", Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern EHRQL =
      Pattern.compile(
          "(ehrql|databuilder):\\S+ generate[-_]dataset", Pattern.UNICODE_CHARACTER_CLASS);

  private static final Map<String, Set<String>> DB_COMMANDS =
      Map.of(
          "ehrql", Set.of("generate-dataset", "generate-measures"),
          "cohortextractor", Set.of("generate_cohort", "generate_codelist_report"),
          "databuilder", Set.of("generate-dataset"));

  private ProjectParser() {}

  /** Decodes UTF-8 bytes (strictly) and parses them. */
  public static Pipeline parse(byte[] bytes) throws ProjectValidationError {
    return parse(decode(bytes));
  }

  /** Decodes UTF-8 strictly; invalid bytes give a {@link ProjectValidationError}. */
  public static String decode(byte[] bytes) throws ProjectValidationError {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    try {
      return decoder.decode(in).toString();
    } catch (MalformedInputException e) {
      int pos = in.position();
      throw new ProjectValidationError(
          String.format(
              "Project file is not valid UTF-8 text: 'utf-8' codec can't decode byte 0x%02x in"
                  + " position %d",
              pos < bytes.length ? bytes[pos] & 0xff : 0, pos));
    } catch (CharacterCodingException e) {
      throw new ProjectValidationError("Project file is not valid UTF-8 text: " + e);
    }
  }

  /** Parses and validates project.yaml text. */
  public static Pipeline parse(String text) throws ProjectValidationError {
    if (text == null) {
      throw new ProjectValidationError(PREFIX + "Project file is empty");
    }
    Optional<Object> data;
    try {
      data = YamlLoader.load(text);
    } catch (YamlLoader.YamlError e) {
      throw new ProjectValidationError(e.getMessage());
    }
    try {
      return new Validation().run(data.orElse(null));
    } catch (RuntimeException | StackOverflowError e) {
      // Not expected (the property tests look for it); never let it escape as a crash.
      throw new ProjectValidationError(PREFIX + "Project file could not be validated: " + e);
    }
  }

  /**
   * Whether an action with these run parts accesses the database (docs/spec/project-yaml.md section
   * 9).
   */
  static boolean isDatabaseAction(List<String> parts) {
    String image = parts.get(0).split(":", -1)[0];
    if (image.equals("sqlrunner")) {
      return true;
    }
    Set<String> commands = DB_COMMANDS.get(image);
    if (commands == null || parts.size() == 1) {
      return false;
    }
    return commands.contains(parts.get(1));
  }

  // --------------------------------------------------------------------------------------------

  /** One validation run; collects warnings. */
  private static final class Validation {
    private final List<String> warnings = new ArrayList<>();

    private ProjectValidationError fail(String message) {
      return new ProjectValidationError(PREFIX + message);
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
      if (v != LATEST_VERSION) {
        warnings.add(
            "ProjectWarning: Your project file is using an old version ("
                + PyText.floatRepr(v)
                + "); consider updating to version 5");
      }
      if (v > LATEST_VERSION) {
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
        Action action = buildAction(e.getKey(), name, e.getValue(), noRunAll);
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
      checkCycles(actions);

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

    private Action buildAction(Object key, String a, Object value, boolean noRunAll)
        throws ProjectValidationError {
      if (RUN_ALL.equals(key)) {
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
      List<String> unknown = unknownKeys(cfg, ACTION_KEYS);
      if (!unknown.isEmpty()) {
        throw fail("Unexpected parameters (" + String.join(", ", unknown) + ") in action " + a);
      }
      Object outputs = cfg.get("outputs");
      Object run = cfg.get("run");
      Object needs = cfg.get("needs");
      Object config = cfg.get("config");
      Object dummy = cfg.get("dummy_data_file");
      if (!(outputs instanceof Map<?, ?> outs)) {
        throw fail(
            "`outputs` section for action " + a + " must be a dictionary of key/value pairs");
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
        checkCohortextractorOutputs(a, levels, parts);
      }
      if (EHRQL.matcher(runText).lookingAt()) {
        checkEhrqlOutputs(a, levels, parts);
      }

      @SuppressWarnings("unchecked")
      Map<String, Object> configMap =
          config == null
              ? null
              : (Map<String, Object>) jsonSafe(config, 0, new IdentityHashMap<>());
      return new Action(
          a,
          List.copyOf(parts),
          List.copyOf(needList),
          levels,
          configMap,
          (String) dummy,
          isDatabaseAction(parts));
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
      List<String> unknown = unknownKeys(outs, Set.copyOf(LEVELS));
      if (!unknown.isEmpty()) {
        throw fail(
            "Unexpected parameters ("
                + String.join(", ", unknown)
                + ") in `outputs` section for action "
                + a);
      }
      Map<String, Map<String, String>> levels = new LinkedHashMap<>();
      for (String level : LEVELS) {
        Object lv = outs.get(level);
        if (lv == null) {
          continue;
        }
        if (!(lv instanceof Map<?, ?> named)) {
          throw fail(
              "`"
                  + level
                  + "` section for action "
                  + a
                  + " must be a dictionary of key/value pairs");
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
        throw fail(
            "Action command "
                + name
                + " must have a version specified in the form :vN (e.g. "
                + name
                + ":v2)");
      }
      return parts;
    }

    private void checkCohortextractorOutputs(
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

    private void checkEhrqlOutputs(
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

    private void checkCycles(Map<String, Action> actions) throws ProjectValidationError {
      Map<String, Integer> state = new HashMap<>(); // 1 = on stack, 2 = done
      for (String start : actions.keySet()) {
        if (state.containsKey(start)) {
          continue;
        }
        Deque<String> path = new ArrayDeque<>();
        Deque<Integer> nextIndex = new ArrayDeque<>();
        path.push(start);
        nextIndex.push(0);
        state.put(start, 1);
        while (!path.isEmpty()) {
          String node = path.peek();
          int i = nextIndex.pop();
          List<String> needs = actions.get(node).needs();
          if (i >= needs.size()) {
            state.put(node, 2);
            path.pop();
            continue;
          }
          nextIndex.push(i + 1);
          String next = needs.get(i);
          Integer s = state.get(next);
          if (s == null) {
            state.put(next, 1);
            path.push(next);
            nextIndex.push(0);
          } else if (s == 1) {
            List<String> stack = new ArrayList<>(path);
            Collections.reverse(stack);
            List<String> cycle = new ArrayList<>(stack.subList(stack.indexOf(next), stack.size()));
            cycle.add(next);
            throw fail(
                "Action `"
                    + next
                    + "` has a circular dependency in its `needs` list: "
                    + String.join(" -> ", cycle));
          }
        }
      }
    }
  }

  /** Keys outside {@code allowed}, rendered with {@code str()}, in file order. */
  private static List<String> unknownKeys(Map<?, ?> map, Set<String> allowed) {
    List<String> unknown = new ArrayList<>();
    for (Object k : map.keySet()) {
      if (!(k instanceof String s && allowed.contains(s))) {
        unknown.add(PyText.str(k));
      }
    }
    return unknown;
  }

  /** Converts a YAML value for {@link Action#config()}: keys as json.dumps renders them. */
  private static Object jsonSafe(Object v, int depth, Map<Object, Object> done) {
    if (depth > 200) {
      return null;
    }
    if ((v instanceof Map || v instanceof List) && done.containsKey(v)) {
      return done.get(v); // an alias: share the converted value (null while converting it)
    }
    if (v instanceof Map<?, ?> m) {
      done.put(v, null);
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        out.put(jsonKey(e.getKey()), jsonSafe(e.getValue(), depth + 1, done));
      }
      Object result = Collections.unmodifiableMap(out);
      done.put(v, result);
      return result;
    }
    if (v instanceof List<?> l) {
      done.put(v, null);
      List<Object> out = new ArrayList<>(l.size());
      for (Object o : l) {
        out.add(jsonSafe(o, depth + 1, done));
      }
      Object result = Collections.unmodifiableList(out);
      done.put(v, result);
      return result;
    }
    if (v instanceof BigInteger i) {
      return i.bitLength() < 64 ? (Object) i.longValue() : i;
    }
    if (v instanceof PyText.Timestamp || v instanceof PyText.Tagged) {
      return PyText.str(v);
    }
    if (v instanceof PyText.Tuple t) {
      return jsonSafe(t.items(), depth, done);
    }
    return v;
  }

  private static String jsonKey(Object k) {
    if (k instanceof String s) {
      return s;
    }
    if (k == null) {
      return "null";
    }
    if (k instanceof Boolean b) {
      return b ? "true" : "false";
    }
    if (k instanceof Double d) {
      return d.isNaN()
          ? "NaN"
          : d.isInfinite() ? (d > 0 ? "Infinity" : "-Infinity") : PyText.floatRepr(d);
    }
    return PyText.str(k);
  }
}

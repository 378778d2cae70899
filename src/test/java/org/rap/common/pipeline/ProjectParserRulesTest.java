package org.rap.common.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** One test per rule of docs/spec/project-yaml.md, with the reference's exact message texts. */
class ProjectParserRulesTest {
  private static final String PREFIX = "Invalid project: \n";

  static String message(String yaml) {
    ProjectValidationError e =
        assertThrows(ProjectValidationError.class, () -> ProjectParser.parse(yaml));
    return e.getMessage();
  }

  static void assertInvalid(String yaml, String inner) {
    assertEquals(PREFIX + inner, message(yaml));
  }

  static Pipeline valid(String yaml) {
    try {
      return ProjectParser.parse(yaml);
    } catch (ProjectValidationError e) {
      throw new AssertionError("expected valid, got: " + e.getMessage(), e);
    }
  }

  /** A project with one action; {@code action} is the YAML of the action body (indented 4). */
  static String project(String version, String action) {
    return "version: " + version + "\nactions:\n  a:\n" + action.indent(4);
  }

  static String simple(String version, String run, String level, String path) {
    return project(version, "run: " + run + "\noutputs:\n  " + level + ":\n    out: " + path);
  }

  // ------------------------------------------------------------------ 5.1 project level

  @Test
  void unknownTopLevelKeysInFileOrder() {
    assertInvalid(
        "zeta: 1\nversion: 5\nalpha: 2\nactions: {}\n",
        "Unexpected parameters (zeta, alpha) in project");
  }

  @Test
  void unknownTopLevelKeysComeBeforeTheVersionCheck() {
    assertInvalid("foo: 1\n", "Unexpected parameters (foo) in project");
  }

  @Test
  void versionMissingOrNull() {
    String msg =
        "Project file must have a `version` attribute specifying which version of the project"
            + " configuration format it uses (current latest version is 5)";
    assertInvalid("actions: {}\n", msg);
    assertInvalid("version:\nactions: {}\n", msg);
    assertInvalid("version: ~\nactions: {}\n", msg);
  }

  @ParameterizedTest
  @ValueSource(strings = {"asdf", "[1]", "{a: 1}", "'latest'", "2020-01-01", "yes"})
  void versionNotANumber(String version) {
    assertInvalid(
        "version: " + version + "\nactions: {}\n", "`version` must be a number between 1 and 5");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "4|4.0",
        "'4.0'|4.0",
        "4.5|4.5",
        "0|0.0",
        "true|1.0",
        "'5.0'|5.0",
        "' 2 '|2.0",
        "1_0e-1|1.0",
        "0x1|1.0",
        "010|10.0"
      })
  void versionIsConvertedLikePythonFloat(String version, String printed) {
    String yaml = "version: " + version + "\nactions: {}\n";
    if (printed.equals("10.0")) {
      assertInvalid(yaml, "`version` must be a number between 1 and 5");
      return;
    }
    Pipeline p = valid(yaml);
    assertEquals(Double.parseDouble(printed), p.version());
    if (!printed.equals("5.0")) {
      assertEquals(
          List.of(
              "ProjectWarning: Your project file is using an old version ("
                  + printed
                  + "); consider updating to version 5"),
          p.warnings());
    } else {
      assertTrue(p.warnings().isEmpty());
    }
  }

  @Test
  void versionAboveLatestIsAClearErrorNotACrash() {
    assertInvalid("version: 6\nactions: {}\n", "`version` must be a number between 1 and 5");
    assertInvalid("version: .inf\nactions: {}\n", "`version` must be a number between 1 and 5");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "actions: [a]\n", "actions: x\n", "actions:\n"})
  void actionsMustBeAMapping(String actions) {
    assertInvalid(
        "version: 5\n" + actions,
        "Project `actions` section must be a dictionary of key/value pairs");
  }

  // ------------------------------------------------------------------ crashes made clear

  @ParameterizedTest
  @ValueSource(strings = {"", "# only a comment\n", "---\n", "~\n", "\n\n"})
  void emptyFile(String yaml) {
    assertInvalid(yaml, "Project file is empty");
  }

  @ParameterizedTest
  @ValueSource(strings = {"- a\n- b\n", "hello\n", "42\n"})
  void topLevelNotAMapping(String yaml) {
    assertInvalid(yaml, "Project file must be a dictionary of key/value pairs");
  }

  @Test
  void nonStringNeedsEntry() {
    assertInvalid(
        project(
            "5", "run: python:v2 x.py\nneeds: [1]\noutputs:\n  highly_sensitive:\n    o: o.csv"),
        "`needs` section for action a must be a list of action names");
  }

  @Test
  void unbalancedQuotesInRun() {
    assertInvalid(
        simple("5", "python:v2 'x.py", "highly_sensitive", "o.csv"),
        "run for action a could not be parsed: No closing quotation");
  }

  @Test
  void whitespaceOnlyRunIsEmpty() {
    assertInvalid(
        simple("5", "'   '", "highly_sensitive", "o.csv"),
        "run must have a value, a has an empty run key");
  }

  @Test
  void invalidUtf8() {
    byte[] bytes = "version: 5\nactions: {}\n# \u00e9".getBytes(StandardCharsets.UTF_8);
    byte[] broken = Arrays.copyOf(bytes, bytes.length - 1);
    ProjectValidationError e =
        assertThrows(ProjectValidationError.class, () -> ProjectParser.parse(broken));
    assertTrue(e.getMessage().startsWith("Project file is not valid UTF-8 text"), e.getMessage());
  }

  // ------------------------------------------------------------------ 5.2 each action

  @Test
  void runAllIsAnErrorInVersion5() {
    assertInvalid(
        "version: 5\nactions:\n  run_all:\n    run: python:v2 x\n    outputs:\n      highly_sensitive:\n        o: o.csv\n",
        "`run_all` is a reserved action name and is not allowed for user-defined actions.");
  }

  @Test
  void runAllIsAWarningBeforeVersion5AndExcludedFromAllActions() {
    Pipeline p =
        valid(
            "version: 4\nactions:\n  run_all:\n    run: python:v2 x\n    outputs:\n      highly_sensitive:\n        o: o.csv\n"
                + "  b:\n    run: python:v2 y\n    outputs:\n      highly_sensitive:\n        o: p.csv\n");
    assertEquals(List.of("b"), p.allActions());
    assertEquals(2, p.actions().size());
    assertEquals(
        List.of(
            "ProjectWarning: Your project file is using an old version (4.0); consider updating to version 5",
            "ProjectWarning: `run_all` is a reserved action name; user-defined actions with this name are ignored and will raise an error in later versions."),
        p.warnings());
  }

  @Test
  void runAllBeforeVersion5IsStillValidated() {
    assertInvalid(
        "version: 4\nactions:\n  run_all:\n    run: python:v2 x\n    outputs:\n      moderately_sensitive:\n        o: project.yaml\n",
        "Output path project.yaml is invalid: project.yaml is not an allowed file type for moderately_sensitive outputs");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " null", " [a]", " text"})
  void actionNotAMapping(String value) {
    assertInvalid(
        "version: 5\nactions:\n  a:" + value + "\n",
        "Configuration for action a must be a dictionary of key/value pairs");
  }

  @Test
  void missingRunThenMissingOutputs() {
    assertInvalid(project("5", "outputs: {}"), "Action a must contain a configuration for 'run'");
    assertInvalid(
        project("5", "foo: 1\nrun: x"), "Action a must contain a configuration for 'outputs'");
  }

  @Test
  void unknownActionKeys() {
    assertInvalid(
        project("5", "run: python:v2 x\noutputs: {}\nfoo: 1\nbar: 2"),
        "Unexpected parameters (foo, bar) in action a");
  }

  @Test
  void typeChecksInOrder() {
    assertInvalid(
        project("5", "run: 1\noutputs: []\nneeds: x"),
        "`outputs` section for action a must be a dictionary of key/value pairs");
    assertInvalid(
        project("5", "run: 1\noutputs: {}\nneeds: x"),
        "`run` section for action a must be a string");
    assertInvalid(
        project("5", "run: x\noutputs: {}\nneeds: x\nconfig: 1"),
        "`needs` section for action a must be a list");
    assertInvalid(
        project("5", "run: x\noutputs: {}\nconfig: 1\ndummy_data_file: 1"),
        "`config` section for action a must be a dictionary of key/value pairs");
    assertInvalid(
        project("5", "run: x\noutputs: {}\ndummy_data_file: [1]"),
        "`dummy_data_file` section for action a must be a string");
  }

  @Test
  void nullOptionalSectionsAreAllowed() {
    Pipeline p =
        valid(
            project(
                "5",
                "run: python:v2 x\nneeds:\nconfig:\ndummy_data_file:\noutputs:\n  highly_sensitive:\n    o: o.csv"));
    Action a = p.action("a");
    assertEquals(List.of(), a.needs());
    assertNull(a.config());
    assertNull(a.dummyDataFile());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"{}", "{highly_sensitive: null}", "{other: {o: o.csv}}", "{highly_sensitive: }"})
  void atLeastOneOutputLevel(String outputs) {
    assertInvalid(
        project("5", "run: python:v2 x\noutputs: " + outputs),
        "must specify at least one output of: highly_sensitive, moderately_sensitive, minimally_sensitive");
  }

  @Test
  void emptyOutputLevelCountsAsPresent() {
    Pipeline p = valid(project("5", "run: python:v2 x\noutputs: {highly_sensitive: {}}"));
    assertEquals(Map.of("highly_sensitive", Map.of()), p.action("a").outputs());
  }

  @Test
  void unknownOutputKeys() {
    assertInvalid(
        project(
            "5",
            "run: python:v2 x\noutputs: {highly sensitive: {o: o.csv}, moderately_sensitive: {p: p.csv}}"),
        "Unexpected parameters (highly sensitive) in `outputs` section for action a");
  }

  @Test
  void outputLevelAndPatternTypes() {
    assertInvalid(
        project("5", "run: python:v2 x\noutputs: {moderately_sensitive: [o.csv]}"),
        "`moderately_sensitive` section for action a must be a dictionary of key/value pairs");
    assertInvalid(
        project("5", "run: python:v2 x\noutputs: {highly_sensitive: {o: [o.csv]}}"),
        "`o` output for action a must be a string");
  }

  @Test
  void outputLevelsAreCheckedHighlyModeratelyMinimally() {
    assertInvalid(
        project(
            "5",
            "run: python:v2 x\noutputs: {minimally_sensitive: {m: m}, highly_sensitive: {h: h}}"),
        "Output path h is invalid: output paths must have a file type extension at the end");
  }

  @Test
  void emptyRun() {
    assertInvalid(
        simple("5", "''", "highly_sensitive", "o.csv"),
        "run must have a value, a has an empty run key");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "test",
        "test:",
        "test:v",
        "test:other",
        "test:vnotdigits",
        "test:v1x1",
        "test:pre"
      })
  void imageVersionRejected(String image) {
    assertInvalid(
        simple("4", "'" + image + " x'", "highly_sensitive", "o.csv"),
        "Action command test must have a version specified in the form :vN (e.g. test:v2)");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "test:v1",
        "test:v1.2.3",
        "test:dev",
        "test:latest",
        "test:v1-pre",
        "test:v1.2-pre"
      })
  void imageVersionAccepted(String image) {
    Action a = valid(simple("4", image + " x", "highly_sensitive", "o.csv")).action("a");
    assertEquals("test", a.imageName());
    assertEquals(image.substring(5), a.imageVersion());
  }

  @Test
  void needsSeparatedBySpaces() {
    assertInvalid(
        project("5", "run: python:v2 x\nneeds: [b c]\noutputs: {highly_sensitive: {o: o.csv}}"),
        "`needs` actions should be separated with commas, but a needs `b c`");
  }

  @Test
  void generateCohortNeedsExactlyOneOutputLevel() {
    assertInvalid(
        project(
            "3",
            "run: cohortextractor:latest generate_cohort\noutputs: {highly_sensitive: {c: output/input.csv}, moderately_sensitive: {d: output/x.csv}}"),
        "A `generate_cohort` action must have exactly one output; a had 2");
  }

  @Test
  void generateCohortInOneDirectoryUnlessOutputDirIsGiven() {
    String body = "outputs: {highly_sensitive: {c: output/input.csv, d: other/x.csv}}";
    assertInvalid(
        "version: 3\nexpectations: {population_size: 10}\nactions:\n  a:\n    run: cohortextractor:latest generate_cohort\n    "
            + body
            + "\n",
        "generate_cohort command should produce output in only one directory, found 2:\n - output/\n - other/");
    valid(
        "version: 3\nexpectations: {population_size: 10}\nactions:\n  a:\n    run: cohortextractor:latest generate_cohort --output-dir=output\n    "
            + body
            + "\n");
  }

  @Test
  void generateDatasetOutputsMustBeHighlySensitive() {
    assertInvalid(
        simple(
            "5", "ehrql:v1 generate-dataset x.py --output o.csv", "moderately_sensitive", "o.csv"),
        "`a` action uses `generate-dataset` and so all outputs must be labelled `highly_sensitive`");
  }

  @Test
  void generateDatasetNeedsAnOutputArgument() {
    assertInvalid(
        simple("5", "ehrql:v1 generate-dataset x.py", "highly_sensitive", "o.csv"),
        "`a` action does not provide an `--output` argument specifying where the results of `generate-dataset` should be stored");
    assertInvalid(
        simple("5", "databuilder:v0 generate_dataset x.py --output", "highly_sensitive", "o.csv"),
        "`a` action does not provide an `--output` argument specifying where the results of `generate-dataset` should be stored");
  }

  @Test
  void generateDatasetOutputMustMatchTheSpec() {
    valid(
        simple(
            "5",
            "ehrql:v1 generate-dataset x.py --output=output/d.csv",
            "highly_sensitive",
            "output/d.csv"));
    valid(
        simple(
            "5",
            "ehrql:v1 generate-dataset x.py --output outputs:arrow",
            "highly_sensitive",
            "outputs/*.arrow"));
    assertInvalid(
        simple(
            "5",
            "ehrql:v1 generate-dataset x.py --output outputs:arrow",
            "highly_sensitive",
            "outputs.arrow"),
        "output specification must match the `--output` argument in the `run` command\n"
            + "              got: outputs.arrow\n"
            + "but was expecting: outputs/:arrow");
    assertInvalid(
        project(
            "5",
            "run: ehrql:v1 generate-dataset x.py --output=o/d1.csv\noutputs: {highly_sensitive: {a: o/d.csv, b: o/e.csv}}"),
        "output specification must match the `--output` argument in the `run` command\n"
            + "              got: o/d.csv\n"
            + "                   o/e.csv\n"
            + "but was expecting: o/d1.csv");
  }

  // ------------------------------------------------------------------ 5.3 after all actions

  @Test
  void cohortextractorRejectedFromVersion4() {
    assertInvalid(
        simple("4", "cohortextractor:v1 generate_cohort", "highly_sensitive", "output/input.csv"),
        "Action a uses cohortextractor actions, which are not supported in this version.");
  }

  @Test
  void latestRejectedInVersion5() {
    assertInvalid(
        simple("5", "' python:latest   x'", "highly_sensitive", "o.csv"),
        "Action a uses `python:latest`, which is not supported. Provide a version e.g. `:v2` instead");
    valid(simple("4", "python:latest x", "highly_sensitive", "o.csv"));
  }

  @Test
  void duplicateRunCommands() {
    assertInvalid(
        "version: 5\nactions:\n"
            + "  a: {run: python:v2 x, outputs: {highly_sensitive: {o: a.csv}}}\n"
            + "  b: {run: python:v2 x, outputs: {highly_sensitive: {o: b.csv}}}\n",
        "Action b has the same 'run' command as other actions: a");
  }

  @Test
  void outputPathsUniqueFromVersion2() {
    String yaml =
        "version: %s\nactions:\n"
            + "  a: {run: python:v2 x, outputs: {highly_sensitive: {o: a.csv}}}\n"
            + "  b: {run: python:v2 y, outputs: {minimally_sensitive: {p: a.csv}}}\n";
    assertInvalid(String.format(yaml, "2"), "Output path a.csv is not unique");
    valid(String.format(yaml, "1"));
  }

  @Test
  void unknownNeeds() {
    assertInvalid(
        project("5", "run: python:v2 x\nneeds: [b]\noutputs: {highly_sensitive: {o: o.csv}}"),
        "Action `a` references an unknown action in its `needs` list: b");
  }

  @Test
  void needsCyclesAreRejected() {
    assertInvalid(
        "version: 5\nactions:\n"
            + "  a: {run: python:v2 x, needs: [b], outputs: {highly_sensitive: {o: a.csv}}}\n"
            + "  b: {run: python:v2 y, needs: [c], outputs: {highly_sensitive: {o: b.csv}}}\n"
            + "  c: {run: python:v2 z, needs: [a], outputs: {highly_sensitive: {o: c.csv}}}\n",
        "Action `a` has a circular dependency in its `needs` list: a -> b -> c -> a");
    assertInvalid(
        project("5", "run: python:v2 x\nneeds: [a]\noutputs: {highly_sensitive: {o: o.csv}}"),
        "Action `a` has a circular dependency in its `needs` list: a -> a");
  }

  @Test
  void expectationsRules() {
    String action = "actions:\n  a: {run: python:v2 x, outputs: {highly_sensitive: {o: a.csv}}}\n";
    assertInvalid(
        "version: 4\nexpectations: {population_size: 10}\n" + action,
        "Project includes `expectations` section, which is not supported in this version. This section is only applicable to deprecated cohortextractor actions; you can safely remove it.");
    assertInvalid("version: 3\n" + action, "Project must include `expectations` section");
    assertInvalid(
        "version: 3\nexpectations: [1]\n" + action,
        "Project `expectations` section must be a dictionary of key/value pairs");
    assertInvalid(
        "version: 3\nexpectations: {size: 1}\n" + action,
        "Project `expectations` section must include `population_size` section");
    assertInvalid(
        "version: 3\nexpectations: {population_size: 1, extra: 2}\n" + action,
        "Unexpected parameters (extra) in project `expectations` section");
    assertInvalid(
        "version: 3\nexpectations: {population_size: lots}\n" + action,
        "Project expectations population size must be a number");
    assertEquals(
        1000, valid("version: 2\nexpectations: garbage\n" + action).expectationsPopulationSize());
    assertEquals(
        25,
        valid("version: 3\nexpectations: {population_size: '25'}\n" + action)
            .expectationsPopulationSize());
    assertNull(valid("version: 5\n" + action).expectationsPopulationSize());
  }

  // ------------------------------------------------------------------ 6 output paths

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "a\\b.csv|contains back slashes (use forward slashes only)",
        "recursive/**/glob.pattern|contains '**' (only the * wildcard character is supported)",
        "a?.csv|contains '?' (only the * wildcard character is supported)",
        "a[0].csv|contains '[' (only the * wildcard character is supported)",
        "metadata|output paths must have a file type extension at the end",
        ".csv|output paths must have a file type extension at the end",
        "outputs/*|output paths must have a file type extension at the end",
        "outputs/foo.*|output paths must have a file type extension at the end",
        "test/foo|output paths must have a file type extension at the end",
        "not//canonical.txt|is not in standard form (contains double slashes or '..' elements)",
        "path/../traversal.txt|is not in standard form (contains double slashes or '..' elements)",
        "./output/a.csv|is not in standard form (contains double slashes or '..' elements)",
        "output/a.csv/|is not in standard form (contains double slashes or '..' elements)",
        "metadata/test.txt|should not include the metadata directory",
        "/abs/path.txt|is an absolute path",
        "c:/windows/absolute.txt|is an absolute path",
      })
  void outputPathRules(String pattern, String reason) {
    assertInvalid(
        simple("5", "python:v2 x", "highly_sensitive", "'" + pattern + "'"),
        "Output path " + pattern + " is invalid: " + reason);
  }

  @ParameterizedTest
  @ValueSource(strings = {"output/a.csv.gz", "output/a.CSV", "outputs/output.rds", "out//x.rds"})
  void moderatelySensitiveFileTypes(String pattern) {
    String shown = pattern.replace("//", "/");
    assertInvalid(
        simple("5", "python:v2 x", "moderately_sensitive", pattern),
        "Output path "
            + pattern
            + " is invalid: "
            + shown
            + " is not an allowed file type for moderately_sensitive outputs");
    valid(simple("5", "python:v2 x", "highly_sensitive", pattern.replace("//", "/")));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "foo/bar/*.txt",
        "output/*/a.csv",
        "output/a*b.csv",
        "metadata.csv",
        "metadatax/a.csv"
      })
  void acceptedOutputPaths(String pattern) {
    valid(simple("5", "python:v2 x", "moderately_sensitive", pattern));
  }

  // ------------------------------------------------------------------ 2 YAML dialect

  @Test
  void yaml12Scalars() {
    Pipeline p =
        valid(
            project(
                "5",
                "run: python:v2 x\nconfig: {a: yes, b: on, c: 010, d: 0x1F, e: ~, f: 1.5, g: True}\noutputs: {highly_sensitive: {o: o.csv}}"));
    Map<String, Object> config = p.action("a").config();
    assertEquals("yes", config.get("a"));
    assertEquals("on", config.get("b"));
    assertEquals(10L, config.get("c"));
    assertEquals(31L, config.get("d"));
    assertTrue(config.containsKey("e"));
    assertNull(config.get("e"));
    assertEquals(1.5, config.get("f"));
    assertEquals(true, config.get("g"));
  }

  @Test
  void duplicateKeysAtEveryLevel() {
    assertEquals(
        "while constructing a mapping\n"
            + "  in \"<unicode string>\", line 1, column 1:\n"
            + "    test:\n"
            + "    ^ (line: 1)\n"
            + "found duplicate key \"test\" with value \"None\" (original value: \"None\")\n"
            + "  in \"<unicode string>\", line 2, column 1:\n"
            + "    test:\n"
            + "    ^ (line: 2)",
        message("test:\ntest:\n"));
    String nested =
        message("version: 5\nactions:\n  a:\n    needs: [x]\n    run: r\n    needs: [y]\n");
    assertTrue(
        nested.contains(
            "found duplicate key \"needs\" with value \"['y']\" (original value: \"['x']\")"),
        nested);
    String actions = message("version: 5\nactions:\n  a: {run: x}\n  a: {run: y}\n");
    assertTrue(
        actions.contains(
            "found duplicate key \"a\" with value \"ordereddict([('run', 'y')])\" (original value: \"ordereddict([('run', 'x')])\")"),
        actions);
  }

  @Test
  void tabIndentationIsASyntaxError() {
    assertEquals(
        "while scanning for the next token\n"
            + "found character '\\t' that cannot start any token\n"
            + "  in \"<unicode string>\", line 2, column 1:\n"
            + "    \tb: 1\n"
            + "    ^ (line: 2)",
        message("a:\n\tb: 1\n"));
  }

  @Test
  void tabsWhereTheReferenceRejectsThem() {
    String base =
        "version: 5\nactions:\n  a:\n    run: python:v2 x\n    outputs: {highly_sensitive: {o: o.csv}}\n";
    // rejected by both of the reference's YAML parsers: after ':' in block context, blank lines
    assertEquals(
        "while scanning for the next token\n"
            + "found character '\\t' that cannot start any token\n"
            + "  in \"<unicode string>\", line 4, column 9:\n"
            + "        run:\tpython:v2 x\n"
            + "            ^ (line: 4)",
        message(base.replace("run: python", "run:\tpython")));
    assertTrue(message(base.replace("actions:\n", "actions:\n\t\n")).contains("line 3, column 1:"));
    assertTrue(message(base.replace("    run", "  \t  run")).contains("line 4, column 3:"));
    // accepted by the reference's fast parser: trailing tabs, tabs inside scalars and flow
    valid(base.replace("x\n", "x\t\n"));
    valid(base.replace("v2 x", "v2\tx"));
    valid(base.replace("{o: o.csv}", "{o:\to.csv}"));
    valid(base.replace("version: 5", "version: 5\t# comment"));
  }

  @Test
  void aTrailingTabIsReportedBeforeADuplicateKey() {
    String m = message("version: 5\t\nversion: 5\nactions: {}\n");
    assertTrue(m.startsWith("while scanning for the next token\nfound character '\\t'"), m);
    assertTrue(m.contains("line 1, column 11:"), m);
  }

  @Test
  void longLinesAreShortenedInSnippets() {
    String m = message("a: b\nkey: " + "x".repeat(100) + ": c\n");
    assertTrue(m.startsWith("mapping values are not allowed here\n"), m);
    assertTrue(m.contains(" ... "), m);
  }

  @Test
  void mergeKeysAreSupported() {
    Pipeline p =
        valid(
            "version: 5\nactions:\n"
                + "  a: &base\n    run: python:v2 x\n    outputs: {highly_sensitive: {o: a.csv}}\n"
                + "  b:\n    <<: *base\n    run: python:v2 y\n    outputs: {highly_sensitive: {o: b.csv}}\n");
    assertEquals(List.of("python:v2", "y"), p.action("b").run());
  }

  // ------------------------------------------------------------------ 9 derived properties

  @Test
  void databaseActions() {
    assertTrue(ProjectParser.isDatabaseAction(List.of("ehrql:v1", "generate-dataset")));
    assertTrue(ProjectParser.isDatabaseAction(List.of("ehrql:v1", "generate-measures")));
    assertTrue(ProjectParser.isDatabaseAction(List.of("sqlrunner:v1")));
    assertTrue(ProjectParser.isDatabaseAction(List.of("sqlrunner:v1", "anything")));
    assertTrue(ProjectParser.isDatabaseAction(List.of("cohortextractor:v1", "generate_cohort")));
    assertTrue(
        ProjectParser.isDatabaseAction(List.of("cohortextractor:v1", "generate_codelist_report")));
    assertTrue(ProjectParser.isDatabaseAction(List.of("databuilder:v0", "generate-dataset")));
    assertFalse(ProjectParser.isDatabaseAction(List.of("cohortextractor:v1", "generate_measures")));
    assertFalse(ProjectParser.isDatabaseAction(List.of("python:v2", "generate-dataset")));
    assertFalse(ProjectParser.isDatabaseAction(List.of("ehrql:v1")));
  }

  @Test
  void actionImagesReportLatestAsV1() {
    Pipeline p =
        valid(
            "version: 4\nactions:\n"
                + "  a: {run: ehrql:v1 generate-dataset x.py --output o/a.csv, outputs: {highly_sensitive: {o: o/a.csv}}}\n"
                + "  b: {run: r:latest y, outputs: {highly_sensitive: {o: b.csv}}}\n"
                + "  c: {run: python:v2 z, outputs: {highly_sensitive: {o: c.csv}}}\n");
    assertEquals(List.of("ehrql:v1", "python:v2", "r:v1"), List.copyOf(p.actionImages()));
  }

  @Test
  void runIsSplitLikeAShellAndConfigKept() {
    Action a =
        valid(
                project(
                    "5",
                    "run: >\n  python:v2 -c \"print('a b')\"\n  'x y'\nconfig:\n  files: [\"qu'ote.csv\"]\n  1: one\noutputs: {highly_sensitive: {o: o.csv}}"))
            .action("a");
    assertEquals(List.of("python:v2", "-c", "print('a b')", "x y"), a.run());
    assertEquals(List.of("qu'ote.csv"), a.config().get("files"));
    assertEquals("one", a.config().get("1"));
  }

  @Test
  void configJsonIsRenderedAsPythonJsonDumps() {
    Action a =
        valid(
                project(
                    "5",
                    "run: python:v2 x\nconfig:\n  files: [\"qu'ote.csv\", caf\u00e9]\n  n: 1\n  f: 1.0e20\n  g: 0.5\n  t: true\n  z: ~\n  1: one\n  nested: {a: [], b: {}}\noutputs: {highly_sensitive: {o: o.csv}}"))
            .action("a");
    assertEquals(
        "{\"files\": [\"qu'ote.csv\", \"caf\\u00e9\"], \"n\": 1, \"f\": 1e+20, \"g\": 0.5, \"t\": true,"
            + " \"z\": null, \"1\": \"one\", \"nested\": {\"a\": [], \"b\": {}}}",
        a.configJson());
    assertNull(
        valid(simple("5", "python:v2 x", "highly_sensitive", "o.csv")).action("a").configJson());
  }

  static String aliasBomb(int levels) {
    StringBuilder sb = new StringBuilder("  l0: &l0 [x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i <= levels; i++) {
      String prev = "*l" + (i - 1);
      sb.append("  l")
          .append(i)
          .append(": &l")
          .append(i)
          .append(" [")
          .append(String.join(", ", Collections.nCopies(9, prev)))
          .append("]\n");
    }
    return sb.toString();
  }

  @Test
  void aliasBombsInConfigAreRefusedWhileParsing() {
    String yaml =
        "version: 5\nactions:\n  a:\n    run: python:v2 x\n    outputs: {highly_sensitive: {o: o.csv}}\n    config:\n"
            + aliasBomb(12).indent(4);
    String m = message(yaml);
    assertTrue(
        m.startsWith("the YAML document is too large to be read once its aliases are expanded"), m);
    assertTrue(m.contains("line 13, column"), "the alias that crossed the limit: " + m);
  }

  @Test
  void aliasBombInADuplicateKeyIsRefusedBeforeTheMessageIsBuilt() {
    String yaml = "bomb:\n" + aliasBomb(12) + "  l12: 1\n";
    String m = message(yaml);
    assertTrue(m.startsWith("the YAML document is too large to be read"), m);
    assertTrue(m.length() < 400, "length " + m.length());
  }
}

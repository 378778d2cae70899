package org.rap.common.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.rap.testing.TestResources;

/**
 * Every project.yaml fixture in {@code src/test/resources/project-yaml} (including the real-world
 * corpus) against the reference's recorded outcome: verdict, message text, warnings and the parsed
 * properties of valid files.
 */
class ProjectFixturesTest {
  static Path fixturesDir() {
    return TestResources.projectYamlFixtures();
  }

  record Fixture(Path file, JsonObject expected) {
    String name() {
      return expected.getString("file");
    }
  }

  static List<Fixture> fixtures() throws IOException {
    List<Fixture> out = new ArrayList<>();
    for (Path expectedFile :
        List.of(
            fixturesDir().resolve("expected.json"),
            fixturesDir().resolve("real-world").resolve("expected.json"))) {
      JsonArray entries = new JsonArray(Files.readString(expectedFile));
      for (int i = 0; i < entries.size(); i++) {
        JsonObject e = entries.getJsonObject(i);
        out.add(new Fixture(fixturesDir().resolve(e.getString("file")), e));
      }
    }
    return out;
  }

  /** Outcome of one fixture: null when it matches, else a description of the difference. */
  record Result(boolean verdictMatches, boolean messageMatches, String difference) {}

  static Result check(Fixture f) throws IOException {
    JsonObject exp = f.expected();
    boolean expectValid = exp.getString("outcome").equals("valid");
    Pipeline p;
    try {
      p = ProjectParser.parse(Files.readAllBytes(f.file()));
    } catch (ProjectValidationError e) {
      if (expectValid) {
        return new Result(false, false, "expected valid, got: " + e.getMessage());
      }
      boolean same = e.getMessage().equals(exp.getString("message"));
      return new Result(
          true,
          same,
          same
              ? null
              : "message differs:\n--- expected\n"
                  + exp.getString("message")
                  + "\n--- actual\n"
                  + e.getMessage());
    }
    if (!expectValid) {
      return new Result(false, false, "expected invalid: " + exp.getString("message"));
    }
    List<String> diffs = new ArrayList<>();
    compare(diffs, "version", exp.getDouble("version"), p.version());
    compare(diffs, "warnings", exp.getJsonArray("warnings").getList(), p.warnings());
    compare(diffs, "all_actions", exp.getJsonArray("all_actions").getList(), p.allActions());
    compare(
        diffs,
        "action_images",
        exp.getJsonArray("action_images").getList(),
        new ArrayList<>(p.actionImages()));
    compare(
        diffs,
        "population_size",
        exp.getInteger("expectations_population_size"),
        p.expectationsPopulationSize());
    JsonObject actions = exp.getJsonObject("actions");
    compare(
        diffs,
        "action names",
        new ArrayList<>(actions.fieldNames()),
        new ArrayList<>(p.actions().keySet()));
    for (String name : actions.fieldNames()) {
      JsonObject ea = actions.getJsonObject(name);
      Action a = p.action(name);
      if (a == null) {
        diffs.add("missing action " + name);
        continue;
      }
      compare(diffs, name + ".run_parts", ea.getJsonArray("run_parts").getList(), a.run());
      compare(diffs, name + ".run_name", ea.getString("run_name"), a.imageName());
      compare(diffs, name + ".run_version", ea.getString("run_version"), a.imageVersion());
      compare(diffs, name + ".needs", ea.getJsonArray("needs").getList(), a.needs());
      compare(
          diffs,
          name + ".is_database_action",
          ea.getBoolean("is_database_action"),
          a.databaseAction());
      compare(
          diffs, name + ".outputs", ea.getJsonObject("outputs").getMap(), (Map<?, ?>) a.outputs());
    }
    boolean ok = diffs.isEmpty();
    return new Result(true, ok, ok ? null : String.join("\n", diffs));
  }

  private static void compare(List<String> diffs, String what, Object expected, Object actual) {
    if (!String.valueOf(expected).equals(String.valueOf(actual))) {
      diffs.add(what + ": expected " + expected + " but was " + actual);
    }
  }

  @TestFactory
  Stream<DynamicTest> everyFixtureMatchesTheReference() throws IOException {
    return fixtures().stream()
        .map(
            f ->
                DynamicTest.dynamicTest(
                    f.name(),
                    () -> {
                      Result r = check(f);
                      if (r.difference() != null) {
                        fail(f.name() + ": " + r.difference());
                      }
                    }));
  }

  @Test
  void summary() throws IOException {
    List<Fixture> all = fixtures();
    int verdicts = 0;
    int messages = 0;
    List<String> differing = new ArrayList<>();
    for (Fixture f : all) {
      Result r = check(f);
      verdicts += r.verdictMatches() ? 1 : 0;
      messages += r.messageMatches() ? 1 : 0;
      if (r.difference() != null) {
        differing.add(f.name());
      }
    }
    System.out.printf(
        "project-yaml fixtures: verdict matches %d/%d, message/content matches %d/%d; differing: %s%n",
        verdicts, all.size(), messages, all.size(), differing);
    assertEquals(90, all.size(), "fixture count");
    assertEquals(all.size(), verdicts, "verdicts must all match");
    assertNotEquals(0, messages);
    assertTrue(differing.isEmpty(), "differing: " + differing);
  }
}

package org.rap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.Main;
import org.rap.testing.TestResources;

/** {@code rap check-project} through {@link Main#execute}: exit codes, text and JSON output. */
class CheckProjectCommandTest {
  @TempDir Path dir;

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int exit = Main.execute(args);
      return new Run(
          exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  private Path write(String name, String text) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  private static final String VALID =
      """
      version: 4
      actions:
        extract:
          run: ehrql:v1 generate-dataset analysis/d.py --output output/d.csv.gz
          outputs:
            highly_sensitive:
              dataset: output/d.csv.gz
        report:
          run: python:v2 analysis/report.py
          needs: [extract]
          outputs:
            moderately_sensitive:
              table: output/table.csv
            minimally_sensitive:
              log: output/report.log
      """;

  @Test
  void validProjectPrintsASummary() throws Exception {
    Path p = write("project.yaml", VALID);
    Run r = run("check-project", p.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().startsWith("Valid project: " + p + " (version 4.0, 2 actions)"), r.out());
    assertTrue(
        r.out()
            .contains("Warning: ProjectWarning: Your project file is using an old version (4.0)"),
        r.out());
    assertTrue(r.out().contains("  extract [database]\n"), r.out());
    assertTrue(r.out().contains("  report  needs: extract\n"), r.out());
  }

  @Test
  void validProjectAsJson() throws Exception {
    Path p = write("project.yaml", VALID);
    Run r = run("check-project", "--json", p.toString());
    assertEquals(0, r.exit(), r.err());
    JsonObject json = new JsonObject(r.out().trim());
    assertEquals(true, json.getBoolean("valid"));
    assertEquals(4.0, json.getDouble("version"));
    assertTrue(r.out().contains("\"version\":4.0"), r.out());
    assertEquals(
        new JsonArray()
            .add(
                "ProjectWarning: Your project file is using an old version (4.0); consider updating to version 5"),
        json.getJsonArray("warnings"));
    JsonArray actions = json.getJsonArray("actions");
    assertEquals(2, actions.size());
    JsonObject extract = actions.getJsonObject(0);
    assertEquals("extract", extract.getString("name"));
    assertEquals(
        new JsonArray()
            .add("ehrql:v1")
            .add("generate-dataset")
            .add("analysis/d.py")
            .add("--output")
            .add("output/d.csv.gz"),
        extract.getJsonArray("run"));
    assertEquals(new JsonArray(), extract.getJsonArray("needs"));
    assertEquals(true, extract.getBoolean("is_database_action"));
    assertEquals(
        new JsonObject()
            .put("highly_sensitive", new JsonObject().put("dataset", "output/d.csv.gz")),
        extract.getJsonObject("outputs"));
    JsonObject report = actions.getJsonObject(1);
    assertEquals("report", report.getString("name"));
    assertEquals(new JsonArray().add("extract"), report.getJsonArray("needs"));
    assertEquals(false, report.getBoolean("is_database_action"));
    assertEquals(
        new JsonObject()
            .put("moderately_sensitive", new JsonObject().put("table", "output/table.csv"))
            .put("minimally_sensitive", new JsonObject().put("log", "output/report.log")),
        report.getJsonObject("outputs"));
  }

  @Test
  void invalidProjectExitsOne() throws Exception {
    Path p = write("project.yaml", "version: 5\nactions: []\n");
    Run r = run("check-project", p.toString());
    assertEquals(1, r.exit());
    assertEquals(
        "Invalid project: "
            + p
            + "\nProject `actions` section must be a dictionary of key/value pairs\n",
        r.out());
  }

  @Test
  void invalidProjectAsJsonGivesTheReferenceMessage() throws Exception {
    Path p = write("project.yaml", "version: asdf\nactions: {}\n");
    Run r = run("check-project", "--json", p.toString());
    assertEquals(1, r.exit());
    JsonObject json = new JsonObject(r.out().trim());
    assertEquals(
        new JsonObject()
            .put("valid", false)
            .put("error", "Invalid project: \n`version` must be a number between 1 and 5"),
        json);
  }

  @Test
  void yamlErrorsAsJsonAndAsText() throws Exception {
    Path p = write("project.yaml", "test:\ntest:\n");
    Run json = run("check-project", "--json", p.toString());
    assertEquals(1, json.exit());
    assertEquals(
        "while constructing a mapping\n  in \"<unicode string>\", line 1, column 1:\n    test:\n    ^ (line: 1)\n"
            + "found duplicate key \"test\" with value \"None\" (original value: \"None\")\n"
            + "  in \"<unicode string>\", line 2, column 1:\n    test:\n    ^ (line: 2)",
        new JsonObject(json.out().trim()).getString("error"));
    Run text = run("check-project", p.toString());
    assertEquals(1, text.exit());
    assertTrue(
        text.out()
            .startsWith(
                "Invalid project: "
                    + p
                    + "\nwhile constructing a mapping\n  in \""
                    + p
                    + "\", line 1, column 1:"),
        text.out());
  }

  @Test
  void unreadablePathExitsTwo() {
    Run missing = run("check-project", dir.resolve("nope.yaml").toString());
    assertEquals(2, missing.exit());
    assertTrue(
        missing.err().contains("Cannot read " + dir.resolve("nope.yaml") + ": no such file"),
        missing.err());
    assertEquals("", missing.out());
    Run directory = run("check-project", "--json", dir.toString());
    assertEquals(2, directory.exit());
    assertTrue(directory.err().contains("it is a directory"), directory.err());
  }

  @Test
  void missingPathIsAUsageError() {
    assertEquals(2, run("check-project").exit());
  }

  @Test
  void invalidUtf8IsInvalid() throws Exception {
    Path p = dir.resolve("project.yaml");
    Files.write(p, new byte[] {'v', ':', ' ', (byte) 0xff, '\n'});
    Run r = run("check-project", "--json", p.toString());
    assertEquals(1, r.exit());
    assertTrue(
        new JsonObject(r.out().trim())
            .getString("error")
            .startsWith("Project file is not valid UTF-8 text"));
  }

  @Test
  void everyFixtureThroughTheCommandMatchesTheReference() throws Exception {
    Path fixtures = TestResources.projectYamlFixtures();
    int checked = 0;
    for (Path expectedFile :
        new Path[] {
          fixtures.resolve("expected.json"), fixtures.resolve("real-world/expected.json")
        }) {
      JsonArray entries = new JsonArray(Files.readString(expectedFile));
      for (int i = 0; i < entries.size(); i++) {
        JsonObject e = entries.getJsonObject(i);
        Run r = run("check-project", "--json", fixtures.resolve(e.getString("file")).toString());
        JsonObject out = new JsonObject(r.out().trim());
        boolean valid = e.getString("outcome").equals("valid");
        assertEquals(valid ? 0 : 1, r.exit(), e.getString("file"));
        assertEquals(valid, out.getBoolean("valid"), e.getString("file"));
        if (valid) {
          assertEquals(e.getDouble("version"), out.getDouble("version"));
          assertEquals(e.getJsonArray("warnings"), out.getJsonArray("warnings"));
          assertEquals(e.getJsonArray("all_actions").size(), out.getJsonArray("actions").size());
        } else {
          assertEquals(e.getString("message"), out.getString("error"), e.getString("file"));
        }
        checked++;
      }
    }
    assertEquals(90, checked);
  }

  @Test
  void aFileAboveTheSizeLimitIsRefusedWithoutReadingIt() throws Exception {
    Path big = write("project.yaml", VALID + "#" + "x".repeat(3 * 1024 * 1024) + "\n");
    Run r = run("check-project", big.toString());
    assertEquals(1, r.exit(), r.err());
    assertEquals(
        "Invalid project: "
            + big
            + "\nProject file is too large: "
            + Files.size(big)
            + " bytes (the limit is 2097152 bytes)\n",
        r.out());
  }
}

package org.rap.agent.manage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.Main;
import org.rap.agent.outputs.Manifest;
import org.rap.common.git.TestRepos;
import picocli.CommandLine;

/**
 * {@code rap manifest out-of-date} and {@code rap manifest repair} through the command line, on
 * real files and a real git repository (the job-runner's {@code
 * update_manifest_out_of_date_actions} and {@code update_manifest_for_old_job}).
 */
class ManifestCommandsTest {
  @TempDir Path dir;
  private TestRepos study;
  private String oldCommit;
  private String newCommit;
  private Path config;
  private Path medium;
  private Path high;

  @BeforeEach
  void setUp() throws Exception {
    study = TestRepos.create(dir, "study");
    oldCommit = study.commit("v1", Map.of("project.yaml", project("generate", "report", "plot")));
    newCommit = study.commit("v2", Map.of("project.yaml", project("generate", "report")));
    config = dir.resolve("agent.yaml");
    Files.writeString(
        config,
        "BACKEND: test\nBACKENDS: test\nCONTROLLER_TASK_API_ENDPOINT: http://127.0.0.1:9/\n"
            + "ALLOW_LOCAL_GIT_REPOS: \"true\"\nWORKDIR: "
            + dir.resolve("agent")
            + "\n");
    medium = dir.resolve("agent/medium_privacy/workspaces/ws");
    high = dir.resolve("agent/high_privacy/workspaces/ws");
  }

  @AfterEach
  void close() throws Exception {
    study.close();
  }

  private static String project(String... actions) {
    StringBuilder b = new StringBuilder("version: \"4.0\"\nactions:\n");
    for (String a : actions) {
      b.append("  ")
          .append(a)
          .append(":\n    run: python:v2 sh run.sh ")
          .append(a)
          .append("\n    outputs:\n      moderately_sensitive:\n        ")
          .append(a)
          .append(": output/")
          .append(a)
          .append(".csv\n");
    }
    return b.toString();
  }

  private record Run(int exit, String out, String err) {}

  private Run rap(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--config");
    all.add(config.toString());
    return new Run(cl.execute(all.toArray(String[]::new)), out.toString(), err.toString());
  }

  private static JsonObject entry(String action, String repo) {
    return new JsonObject()
        .put("level", "moderately_sensitive")
        .put("job_id", "job-" + action)
        .put("action", action)
        .put("repo", repo)
        .put("excluded", false);
  }

  private void writeManifest(JsonObject outputs) throws Exception {
    Files.createDirectories(medium.resolve("metadata"));
    Manifest.write(
        medium, new JsonObject().put("workspace", "ws").putNull("repo").put("outputs", outputs));
  }

  private JsonObject readManifest() throws Exception {
    return new JsonObject(Files.readString(Manifest.path(medium))).getJsonObject("outputs");
  }

  @Test
  void outOfDateRecomputesTheActionFlagsAtACommit() throws Exception {
    String repo = study.dir().toString();
    writeManifest(
        new JsonObject()
            .put("output/plot.csv", entry("plot", repo))
            .put("output/report.csv", entry("report", repo).put("out_of_date_action", true)));

    Run r = rap("manifest", "out-of-date", "ws", repo, newCommit);
    assertEquals(0, r.exit(), r.out() + r.err());
    JsonObject outputs = readManifest();
    assertTrue(outputs.getJsonObject("output/plot.csv").getBoolean("out_of_date_action"));
    assertFalse(outputs.getJsonObject("output/report.csv").getBoolean("out_of_date_action"));
    assertTrue(r.out().contains("2 output(s), 2 flag(s) changed"), r.out());
    assertTrue(
        r.out().contains("Actions no longer in project.yaml at " + newCommit + ": plot"), r.out());

    // back at the old commit the action reappears: the flag is cleared again
    assertEquals(0, rap("manifest", "out-of-date", "ws", repo, oldCommit).exit());
    assertFalse(readManifest().getJsonObject("output/plot.csv").getBoolean("out_of_date_action"));

    Run typo = rap("manifest", "out-of-date", "wss", repo, newCommit);
    assertEquals(1, typo.exit());
    assertEquals("Could not find existing manifest file for workspace wss", typo.err().strip());
    Run bad = rap("manifest", "out-of-date", "ws", repo, "0".repeat(40));
    assertEquals(1, bad.exit());
    assertTrue(bad.err().contains("Could not read project.yaml of " + repo), bad.err());
  }

  /** The metadata an old job left in its log directory (the job-runner's keys). */
  private void oldJob(
      String jobId, String workspace, String action, JsonObject outputs, JsonObject excluded)
      throws Exception {
    Path logs =
        Files.createDirectories(dir.resolve("agent/high_privacy/logs/2025-11/os-job-" + jobId));
    Files.writeString(
        logs.resolve("metadata.json"),
        new JsonObject()
            .put("job_definition_id", jobId)
            .put("job_definition_rap_id", "rap0000000000001")
            .put("user", "alice")
            .put("commit", oldCommit)
            .put("outputs", outputs)
            .put("level4_excluded_files", excluded)
            .put(
                "container_metadata",
                new JsonObject()
                    .put(
                        "Config",
                        new JsonObject()
                            .put(
                                "Labels",
                                new JsonObject()
                                    .put("workspace", workspace)
                                    .put("action", action))))
            .encodePrettily());
  }

  @Test
  void repairAddsAnOldJobsMissingOutputsAndKeepsTheRest() throws Exception {
    String repo = study.dir().toString();
    writeManifest(new JsonObject().put("output/report.csv", entry("report", repo).put("size", 1)));
    Files.createDirectories(high.resolve("output"));
    Files.writeString(high.resolve("output/plot.csv"), "a,b\n1,2\n3,4\n");
    Files.writeString(high.resolve("output/report.csv"), "x\n");
    Files.writeString(high.resolve("output/big.csv"), "patient_id\n1\n");
    oldJob(
        "plotjob0000000001",
        "ws",
        "plot",
        new JsonObject()
            .put("output/plot.csv", "moderately_sensitive")
            .put("output/report.csv", "moderately_sensitive")
            .put("output/big.csv", "moderately_sensitive"),
        new JsonObject().put("output/big.csv", "File has patient_id column"));

    // plot is gone from project.yaml on main: its outputs are out-of-date actions
    Run r = rap("manifest", "repair", "ws", "plotjob00", "main");
    assertEquals(0, r.exit(), r.out() + r.err());
    assertEquals(
        List.of(
            "Updating manifest output metadata for output/big.csv",
            "Updating manifest output metadata for output/plot.csv",
            "output/report.csv exists in manifest.json, skipping"),
        r.out().lines().toList());
    JsonObject outputs = readManifest();
    JsonObject plot = outputs.getJsonObject("output/plot.csv");
    assertEquals("plotjob0000000001", plot.getString("job_id"));
    assertEquals("rap0000000000001", plot.getString("job_request"));
    assertEquals("plot", plot.getString("action"));
    assertEquals(repo, plot.getString("repo"));
    assertEquals(oldCommit, plot.getString("commit"));
    assertEquals(12L, plot.getLong("size"));
    assertEquals(2, plot.getInteger("row_count"));
    assertEquals(2, plot.getInteger("col_count"));
    assertEquals(64, plot.getString("content_hash").length());
    assertTrue(plot.getBoolean("out_of_date_action"));
    assertFalse(plot.getBoolean("out_of_date_output"));
    assertNull(plot.getString("message"));
    JsonObject big = outputs.getJsonObject("output/big.csv");
    assertTrue(big.getBoolean("excluded"));
    assertEquals("File has patient_id column", big.getString("message"));
    assertEquals(1L, outputs.getJsonObject("output/report.csv").getLong("size"), "kept as it was");
    assertTrue(Files.exists(medium.resolve("metadata/manifest.jsonplotjob0000000001.bu")));

    // an action still in project.yaml: its old outputs are out-of-date outputs
    oldJob(
        "reportjob00000001",
        "ws",
        "report",
        new JsonObject().put("output/report2.csv", "highly_sensitive"),
        new JsonObject());
    Files.writeString(high.resolve("output/report2.csv"), "y\n");
    assertEquals(0, rap("manifest", "repair", "ws", "reportjob", "main").exit());
    JsonObject report2 = readManifest().getJsonObject("output/report2.csv");
    assertTrue(report2.getBoolean("out_of_date_output"));
    assertFalse(report2.getBoolean("out_of_date_action"));

    Run other = rap("manifest", "repair", "other", "plotjob", "main");
    assertEquals(1, other.exit());
    assertEquals("Could not find existing manifest file for workspace other", other.err().strip());
    oldJob("plotjob0000000002", "elsewhere", "plot", new JsonObject(), new JsonObject());
    Run two = rap("manifest", "repair", "ws", "plotjob", "main");
    assertEquals(1, two.exit());
    assertTrue(
        two.err()
            .contains(
                "Multiple matches found for 'plotjob', give more of the id: plotjob0000000001, plotjob0000000002"),
        two.err());
    Run wrong = rap("manifest", "repair", "ws", "plotjob0000000002", "main");
    assertEquals(
        "Metadata for job plotjob0000000002 does not match workspace provided. Expected ws, found elsewhere",
        wrong.err().strip());
    Run none = rap("manifest", "repair", "ws", "nosuchjob", "main");
    assertEquals("No match found for job id nosuchjob", none.err().strip());
  }
}

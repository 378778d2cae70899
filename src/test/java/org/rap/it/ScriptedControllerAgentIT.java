package org.rap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6: "An agent driven by a scripted controller that speaks the reference task API produces
 * the reference's files (names, locations, JSON keys) for a multi-action project." The agent is the
 * jar; the controller is a {@link ScriptedController} handing out RUNJOB tasks for three dependent
 * actions one after the other, as the scheduler would. Every file docs/spec/agent-executor.md
 * section 7 names is checked, with the exact JSON keys of metadata.json (7.2), manifest.json (6.2)
 * and the results sent back (section 10).
 */
class ScriptedControllerAgentIT {
  static final String PROJECT =
      """
      version: '4.0'
      actions:
        generate_dataset:
          run: python:v2 sh analysis/generate.sh
          outputs:
            highly_sensitive:
              dataset: output/dataset.csv
        summarise:
          run: python:v2 sh analysis/summarise.sh
          needs: [generate_dataset]
          outputs:
            moderately_sensitive:
              summary: output/summary.csv
              rows: output/patient_rows.csv
        report:
          run: python:v2 sh analysis/report.sh
          needs: [summarise]
          outputs:
            moderately_sensitive:
              report: output/report.md
      """;

  static final Map<String, String> SCRIPTS =
      Map.of(
          "analysis/generate.sh",
          "mkdir -p output\nprintf 'patient_id,age\\n1,34\\n2,51\\n3,67\\n' > output/dataset.csv\necho generated\n",
          "analysis/summarise.sh",
          "rows=$(($(wc -l < output/dataset.csv) - 1))\nprintf 'rows\\n%s\\n' \"$rows\" > output/summary.csv\n"
              + "cp output/dataset.csv output/patient_rows.csv\necho summarised $rows\n",
          "analysis/report.sh",
          "test ! -e output/dataset.csv || { echo 'dataset.csv is not an input of report'; exit 3; }\n"
              + "printf '# Report\\n\\nrows: %s\\n' \"$(tail -n 1 output/summary.csv)\" > output/report.md\necho reported\n");

  /** docs/spec/agent-executor.md section 7.2, every key. */
  static final Set<String> METADATA_KEYS =
      Set.of(
          "outputs",
          "unmatched_patterns",
          "unmatched_outputs",
          "status_message",
          "hint",
          "timestamp_ns",
          "job_definition_id",
          "job_definition_rap_id",
          "task_id",
          "created_at",
          "user",
          "completed_at",
          "docker_image_id",
          "expected_image_id",
          "exit_code",
          "oom_killed",
          "container_metadata",
          "commit",
          "database_name",
          "action_version",
          "action_revision",
          "action_created",
          "base_revision",
          "base_created",
          "level4_excluded_files",
          "cancelled",
          "error",
          "job_metrics");

  /**
   * docs/spec/agent-executor.md section 6.2, every entry key (the out-of-date flags only on older
   * entries).
   */
  static final Set<String> MANIFEST_ENTRY_KEYS =
      Set.of(
          "level",
          "job_id",
          "job_request",
          "action",
          "user",
          "repo",
          "commit",
          "size",
          "timestamp",
          "content_hash",
          "excluded",
          "message",
          "row_count",
          "col_count");

  @TempDir Path tmp;
  private JarProcess agent;
  private ScriptedController controller;
  private final List<String> containers = new ArrayList<>();

  @AfterEach
  void tearDown() {
    if (agent != null) {
      agent.close();
    }
    containers.forEach(AgentHarness::removeContainer);
    if (controller != null) {
      controller.close();
    }
  }

  private String diagnostics() {
    StringBuilder sb = new StringBuilder();
    try {
      sb.append("--- agent\n").append(agent.output()).append('\n');
    } catch (Exception e) {
      sb.append(e);
    }
    sb.append("--- updates\n");
    controller.updates.forEach(u -> sb.append(u.encode()).append('\n'));
    return sb.append("--- refused\n").append(controller.refused).toString();
  }

  @Test
  void multiActionProjectProducesTheReferenceFiles() throws Exception {
    AgentHarness h = new AgentHarness(tmp, PROJECT, SCRIPTS);
    controller = new ScriptedController("test", AgentHarness.TOKEN).start();
    agent = h.startAgent(controller);
    String ws = "multi";
    Map<String, String> jobs = new LinkedHashMap<>(); // action -> job id
    Map<String, JsonObject> finals = new LinkedHashMap<>();
    Map<String, Map<String, String>> specs =
        Map.of(
            "generate_dataset", Map.of("output/dataset.csv", "highly_sensitive"),
            "summarise",
                Map.of(
                    "output/summary.csv",
                    "moderately_sensitive",
                    "output/patient_rows.csv",
                    "moderately_sensitive"),
            "report", Map.of("output/report.md", "moderately_sensitive"));
    String previous = null;
    for (String action : List.of("generate_dataset", "summarise", "report")) {
      String jobId = AgentHarness.newJobId();
      jobs.put(action, jobId);
      containers.add("os-job-" + jobId);
      String taskId = jobId + "-001";
      JsonObject def =
          h.definition(
              jobId,
              ws,
              action,
              "",
              specs.get(action),
              previous == null ? List.of() : List.of(previous));
      def.put(
          "args",
          new JsonArray().add("sh").add("analysis/" + action.replace("_dataset", "") + ".sh"));
      controller.add(ScriptedController.task(taskId, "runjob", def));
      ScriptedController.await(
          action + " complete",
          Duration.ofMinutes(2),
          () -> !controller.isActive(taskId),
          this::diagnostics);
      List<JsonObject> complete =
          controller.updatesFor(taskId).stream().filter(u -> u.getBoolean("complete")).toList();
      assertEquals(1, complete.size(), diagnostics());
      JsonObject fin = complete.get(0);
      assertEquals("finalized", fin.getString("stage"), diagnostics());
      finals.put(action, fin);
      previous = jobId;

      // the update sequence of docs/spec/task-api.md section 5.1
      List<String> stages = controller.stagesFor(taskId);
      assertEquals(
          List.of("preparing/false", "prepared/false"), stages.subList(0, 2), stages.toString());
      assertEquals(
          List.of("finalizing/false", "finalized/true"),
          stages.subList(stages.size() - 2, stages.size()),
          stages.toString());
      // after execute the new state: executing, or executed when the container was that quick
      assertTrue(
          stages.subList(2, stages.size() - 2).stream()
              .allMatch(st -> st.equals("executing/false") || st.equals("executed/false")),
          stages.toString());
      assertTrue(stages.size() >= 5, "an update after execute: " + stages);
    }
    assertEquals(List.of(), controller.refused, "every request spoke the reference task API");
    String imageId =
        AgentHarness.docker("image", "inspect", "--format", "{{.Id}}", AgentHarness.IMAGE);

    Path high = h.high(ws);
    Path medium = h.medium(ws);
    // outputs: every output at level 3, checked moderately_sensitive outputs at level 4
    assertEquals(
        "patient_id,age\n1,34\n2,51\n3,67\n", Files.readString(high.resolve("output/dataset.csv")));
    assertEquals("rows\n3\n", Files.readString(high.resolve("output/summary.csv")));
    assertEquals("# Report\n\nrows: 3\n", Files.readString(high.resolve("output/report.md")));
    assertTrue(Files.isRegularFile(high.resolve("output/patient_rows.csv")));
    assertEquals(
        sorted(
            "metadata/generate_dataset.log",
            "metadata/report.log",
            "metadata/summarise.log",
            "output/dataset.csv",
            "output/patient_rows.csv",
            "output/report.md",
            "output/summary.csv"),
        files(high));
    assertEquals(
        sorted(
            "metadata/generate_dataset.log",
            "metadata/manifest.json",
            "metadata/report.log",
            "metadata/summarise.log",
            "output/patient_rows.csv.txt",
            "output/report.md",
            "output/summary.csv"),
        files(medium));
    assertEquals("rows\n3\n", Files.readString(medium.resolve("output/summary.csv")));
    assertEquals("# Report\n\nrows: 3\n", Files.readString(medium.resolve("output/report.md")));
    String explanation = Files.readString(medium.resolve("output/patient_rows.csv.txt"));
    assertTrue(
        explanation.contains("output/patient_rows.csv")
            && explanation.contains("`patient_id` column"),
        explanation);

    // job log directories: HIGH_PRIVACY_STORAGE_BASE/logs/<created
    // month>/os-job-<id>/{logs.txt,metadata.json}
    for (var e : jobs.entrySet()) {
      String action = e.getKey();
      String jobId = e.getValue();
      Path logDir = h.logDir(jobId);
      assertEquals(sorted("logs.txt", "metadata.json"), files(logDir), action);
      assertEquals(List.of(logDir.resolve("metadata.json")), h.metadataFiles(jobId));
      JsonObject metadata = new JsonObject(Files.readString(logDir.resolve("metadata.json")));
      assertEquals(METADATA_KEYS, metadata.fieldNames(), action + ": metadata.json keys");
      JsonObject outputs = new JsonObject();
      new TreeMap<>(specs.get(action)).forEach(outputs::put);
      assertEquals(outputs, metadata.getJsonObject("outputs"), action);
      assertEquals("0", metadata.getString("exit_code"), action);
      assertEquals("Completed successfully", metadata.getString("status_message"), action);
      assertEquals(jobId, metadata.getString("job_definition_id"));
      assertEquals("rap" + jobId.substring(0, 8), metadata.getString("job_definition_rap_id"));
      assertEquals(jobId + "-001", metadata.getString("task_id"));
      assertEquals(h.commit, metadata.getString("commit"));
      assertEquals(AgentHarness.CREATED_AT, metadata.getLong("created_at"));
      assertEquals("alice", metadata.getString("user"));
      assertEquals(imageId, metadata.getString("docker_image_id"));
      assertEquals(false, metadata.getValue("error"));
      assertEquals(false, metadata.getValue("cancelled"));
      assertEquals(false, metadata.getValue("oom_killed"));
      assertEquals(
          "os-job-" + jobId,
          metadata.getJsonObject("container_metadata").getString("Name").substring(1));
      assertEquals(
          "summarise".equals(action)
              ? new JsonObject().put("output/patient_rows.csv", "File has patient_id column")
              : new JsonObject(),
          metadata.getJsonObject("level4_excluded_files"),
          action);

      // logs.txt (section 7.3), and the workspace action log at both levels, identical
      String logs = Files.readString(logDir.resolve("logs.txt"));
      assertEquals(logs, Files.readString(high.resolve("metadata/" + action + ".log")), action);
      assertEquals(logs, Files.readString(medium.resolve("metadata/" + action + ".log")), action);
      assertTrue(logs.contains("\n\n=============JOB SUMMARY=============\n"), logs);
      assertTrue(logs.contains("\njob_definition_id: " + jobId + "\n"), logs);
      assertTrue(logs.contains("\ncommit: " + h.commit + "\n"), logs);
      assertTrue(logs.contains("\nstatus_message: Completed successfully\n"), logs);
      assertTrue(logs.contains("\n\noutputs:\n"), logs);
      for (var o : specs.get(action).entrySet()) {
        assertTrue(
            logs.matches("(?s).*\n  " + Pattern.quote(o.getKey()) + " +- " + o.getValue() + "\n.*"),
            logs);
      }
      assertEquals(
          "summarise".equals(action),
          logs.contains(
              "\n\nInvalid moderately_sensitive outputs:\n  output/patient_rows.csv  - File has patient_id column"),
          logs);
      String said =
          Map.of("generate_dataset", "generated", "summarise", "summarised 3", "report", "reported")
              .get(action);
      assertTrue(
          logs.lines().anyMatch(l -> l.matches("\\S+Z " + said)),
          "timestamped container output: " + logs);

      // the results the controller got (section 10): the metadata minus file names
      JsonObject results = finals.get(action).getJsonObject("results");
      Set<String> expected = new TreeSet<>(METADATA_KEYS);
      expected.removeAll(
          Set.of("outputs", "unmatched_outputs", "unmatched_patterns", "level4_excluded_files"));
      expected.addAll(Set.of("has_unmatched_patterns", "has_level4_excluded_files"));
      assertEquals(expected, new TreeSet<>(results.fieldNames()), action + ": results keys");
      assertEquals(
          "summarise".equals(action), results.getBoolean("has_level4_excluded_files"), action);
      assertEquals(false, results.getBoolean("has_unmatched_patterns"));
      assertEquals(metadata.getLong("timestamp_ns"), finals.get(action).getLong("timestamp_ns"));
      for (String name : List.of("dataset.csv", "summary.csv", "patient_rows", "report.md")) {
        assertFalse(results.encode().contains(name), action + " results name a file: " + name);
      }
      assertFalse(Files.exists(h.volume(jobId)), "volume removed");
      assertEquals(
          "",
          AgentHarness.docker("ps", "-aq", "--filter", "name=^os-job-" + jobId + "$"),
          "container removed");
    }

    // manifest.json (section 6.2)
    JsonObject manifest =
        new JsonObject(Files.readString(medium.resolve("metadata/manifest.json")));
    assertEquals(Set.of("workspace", "repo", "outputs"), manifest.fieldNames());
    assertEquals(ws, manifest.getString("workspace"));
    assertNull(manifest.getValue("repo"));
    JsonObject entries = manifest.getJsonObject("outputs");
    assertEquals(
        Set.of(
            "output/dataset.csv",
            "output/summary.csv",
            "output/patient_rows.csv",
            "output/report.md"),
        entries.fieldNames());
    for (String path : entries.fieldNames()) {
      JsonObject entry = entries.getJsonObject(path);
      Set<String> keys = new LinkedHashSet<>(entry.fieldNames());
      assertTrue(keys.containsAll(MANIFEST_ENTRY_KEYS), path + ": " + keys);
      keys.removeAll(MANIFEST_ENTRY_KEYS);
      assertTrue(
          Set.of("out_of_date_action", "out_of_date_output").containsAll(keys), path + ": " + keys);
      String action =
          path.equals("output/dataset.csv")
              ? "generate_dataset"
              : path.equals("output/report.md") ? "report" : "summarise";
      assertEquals(action, entry.getString("action"), path);
      assertEquals(jobs.get(action), entry.getString("job_id"), path);
      assertEquals("rap" + jobs.get(action).substring(0, 8), entry.getString("job_request"), path);
      assertEquals(specs.get(action).get(path), entry.getString("level"), path);
      assertEquals("alice", entry.getString("user"));
      assertEquals(h.repo, entry.getString("repo"));
      assertEquals(h.commit, entry.getString("commit"));
      byte[] content = Files.readAllBytes(high.resolve(path));
      assertEquals(content.length, entry.getLong("size"), path);
      assertEquals(
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)),
          entry.getString("content_hash"));
      assertEquals(
          Files.getLastModifiedTime(high.resolve(path)).toMillis() / 1000.0,
          entry.getDouble("timestamp"),
          0.01,
          path);
      assertEquals(path.equals("output/patient_rows.csv"), entry.getBoolean("excluded"), path);
      assertEquals(
          path.equals("output/patient_rows.csv") ? "File has patient_id column" : null,
          entry.getValue("message"));
      if (path.equals("output/summary.csv")) {
        assertEquals(1, entry.getInteger("row_count"));
        assertEquals(1, entry.getInteger("col_count"));
      } else if (path.equals("output/patient_rows.csv")) {
        assertEquals(3, entry.getInteger("row_count"));
        assertEquals(2, entry.getInteger("col_count"));
      } else if (path.equals("output/report.md")) {
        assertNull(entry.getValue("row_count"), "not a CSV");
        assertNull(entry.getValue("col_count"), "not a CSV");
      }
      if (entry.containsKey("out_of_date_action")) {
        assertEquals(
            false,
            entry.getBoolean("out_of_date_action"),
            path + ": its action is in project.yaml");
      }
      assertNotNull(entry.getValue("timestamp"));
    }
    assertEquals(0, agent.terminate(), diagnostics());
  }

  private static List<String> sorted(String... names) {
    return Stream.of(names).sorted().toList();
  }

  private static List<String> files(Path dir) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .map(p -> dir.relativize(p).toString())
          .sorted()
          .toList();
    }
  }
}

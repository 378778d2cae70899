package org.rap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.rap.agent.outputs.RawPaths;
import org.rap.it.AgentHarness;
import org.rap.it.JarProcess;
import org.rap.it.ScriptedController;

/**
 * Hostile and broken jobs against the agent jar as its own process, with a small heap ({@code
 * -Xmx512m}), a POSIX locale ({@code LANG=C}, so Java cannot spell {@code café.txt}) and the real
 * Docker engine, as an attacker or an unlucky researcher would run them: huge output, sparse files,
 * odd file names, bytes that are not text in a checked CSV, symlinks, a database job printing its
 * environment. Each job must end in the right state with the right message, file what it should
 * where it should, never run twice, and leave the agent within its memory budget (the peak resident
 * set size, {@code VmHWM}, measured by the kernel).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileOutputsIT {
  /** The agent's peak resident memory may not pass this, whatever a job does (heap: 512 MiB). */
  static final long BUDGET_MIB = 384;

  static final long MAX_LOG_BYTES = 1 << 20;
  static final String DB_PASSWORD = "Hostile-Pa55word";
  static final String DB_URL = "mssql://reader:" + DB_PASSWORD + "@10.0.0.1:1433/db";

  AgentHarness h;
  ScriptedController controller;
  JarProcess agent;
  String network;
  final List<String> jobs = new ArrayList<>();

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    network = "rap-rel-" + AgentHarness.newJobId();
    AgentHarness.docker("network", "create", "--internal", network);
    h = new AgentHarness(tmp, "version: '4.0'\nactions: {}\n", Map.of());
    controller = new ScriptedController("test", AgentHarness.TOKEN).start();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("LANG", "C");
    env.put("LC_ALL", "C");
    env.put("MAX_LOG_BYTES", String.valueOf(MAX_LOG_BYTES));
    env.put("MAX_OUTPUT_BYTES", "1G");
    env.put("MAX_OUTPUT_FILES", "100");
    env.put("USING_DUMMY_DATA_BACKEND", "false");
    env.put("DEFAULT_DATABASE_URL", DB_URL);
    env.put("DATABASE_ACCESS_NETWORK", network);
    agent = h.startAgent(controller, env, List.of("-Xmx512m"));
  }

  @AfterAll
  void stop() throws Exception {
    try {
      if (agent != null) {
        agent.terminate();
      }
    } finally {
      if (controller != null) {
        controller.close();
      }
      jobs.forEach(id -> AgentHarness.removeContainer("os-job-" + id));
      AgentHarness.docker("network", "rm", network);
    }
  }

  /** A job run to completion, with every update of its task and the containers Docker created. */
  record Run(String jobId, JsonObject last, List<String> stages, List<String> created) {
    /** Each job has a workspace of its own. */
    String ws() {
      return "ws-" + jobId.substring(0, 8);
    }

    JsonObject results() {
      return last.getJsonObject("results");
    }
  }

  Run run(String script, Map<String, String> outputs) throws Exception {
    return run(script, outputs, def -> {});
  }

  Run run(String script, Map<String, String> outputs, Consumer<JsonObject> tweak) throws Exception {
    String jobId = AgentHarness.newJobId();
    jobs.add(jobId);
    JsonObject def =
        h.definition(
            jobId,
            "ws-" + jobId.substring(0, 8),
            "act_" + jobId.substring(0, 6),
            script,
            outputs,
            List.of());
    tweak.accept(def);
    String taskId = def.getString("task_id");
    long since = System.currentTimeMillis() / 1000 - 1;
    try (AgentHarness.ContainerEvents events =
        new AgentHarness.ContainerEvents("os-job-" + jobId, since)) {
      controller.add(ScriptedController.task(taskId, "runjob", def));
      ScriptedController.await(
          "job " + jobId + " complete",
          Duration.ofMinutes(4),
          () -> !controller.isActive(taskId),
          () -> diagnostics(taskId));
      Thread.sleep(1500); // anything the agent would still do must show now
      List<JsonObject> updates = controller.updatesFor(taskId);
      long complete = updates.stream().filter(u -> u.getBoolean("complete")).count();
      assertEquals(1, complete, "completed exactly once: " + controller.stagesFor(taskId));
      return new Run(
          jobId,
          updates.get(updates.size() - 1),
          controller.stagesFor(taskId),
          events.ids("create"));
    }
  }

  String diagnostics(String taskId) {
    try {
      return controller.stagesFor(taskId) + "\n" + agent.output();
    } catch (Exception e) {
      return e.toString();
    }
  }

  void assertWithinBudget(String scenario) throws Exception {
    assertTrue(agent.process.isAlive(), "the agent is alive after " + scenario);
    long peak = ProcessMemory.peakMiB(agent.process);
    System.out.println(
        "agent memory after "
            + scenario
            + ": peak (VmHWM) "
            + peak
            + " MiB, now (VmRSS) "
            + ProcessMemory.nowMiB(agent.process)
            + " MiB, budget "
            + BUDGET_MIB
            + " MiB");
    assertTrue(peak <= BUDGET_MIB, scenario + ": agent peak RSS " + peak + " MiB");
  }

  static void ranOnce(Run r) {
    assertEquals(1, r.created().size(), "one container for the job: " + r.created());
  }

  String actionLog(Path workspace, Run r) throws Exception {
    return Files.readString(
        workspace.resolve("metadata/act_" + r.jobId().substring(0, 6) + ".log"));
  }

  @Test
  void aJobPrinting150MegabytesLeavesTheAgentWithinItsMemory() throws Exception {
    Run r =
        run(
            "mkdir -p output && echo start-of-output"
                + " && head -c 157286400 /dev/zero | tr '\\0' x"
                + " && echo && echo end-of-output && echo ok > output/ok.txt",
            Map.of("output/ok.txt", "moderately_sensitive"));
    assertEquals("finalized", r.last().getString("stage"), r.stages().toString());
    assertEquals("Completed successfully", r.results().getString("status_message"));
    ranOnce(r);
    Path logs = h.logDir(r.jobId()).resolve("logs.txt");
    String head;
    try (var in = Files.newInputStream(logs)) {
      head = new String(in.readNBytes(300), StandardCharsets.UTF_8);
    }
    assertTrue(head.startsWith("[The first "), head);
    assertTrue(Files.size(logs) < MAX_LOG_BYTES + 8192, "log size " + Files.size(logs));
    String log = Files.readString(logs);
    assertTrue(log.contains(" end-of-output\n"), "the end is kept");
    assertFalse(log.contains("start-of-output"));
    assertEquals(log, actionLog(h.medium(r.ws()), r));
    assertEquals("ok\n", Files.readString(h.medium(r.ws()).resolve("output/ok.txt")));
    assertWithinBudget("150 MB of stdout");
  }

  @Test
  void aSparseFileOverTheOutputLimitFailsTheJobWithNothingCopied() throws Exception {
    Run r =
        run(
            "mkdir -p output && echo small > output/small.csv && truncate -s 2G output/big.bin",
            Map.of("output/*", "highly_sensitive"));
    assertEquals("error", r.last().getString("stage"));
    JsonObject error = r.results().getJsonObject("error");
    assertTrue(
        error.getString("message").contains("more than the limit of 1.0 GiB (1073741824 bytes)"),
        error.encode());
    assertFalse(Files.exists(h.high(r.ws()).resolve("output")), "nothing copied");
    assertTrue(actionLog(h.medium(r.ws()), r).contains("MAX_OUTPUT_BYTES"));
    ranOnce(r);
    assertWithinBudget("a 2 GiB sparse file");
  }

  @Test
  void oddNamesThatCanBeFiledAreFiledExactlyUnderAPosixLocale() throws Exception {
    String longName = "output/" + "l".repeat(247) + ".csv"; // 251 bytes: room for .txt
    String deep = "output/" + "d".repeat(200) + "/" + "e".repeat(200) + "/f.csv";
    Run r =
        run(
            "mkdir -p output/"
                + "d".repeat(200)
                + "/"
                + "e".repeat(200)
                + " && echo cafe > output/café.txt && printf 'a\\n1\\n' > "
                + longName
                + " && echo deep > "
                + deep,
            Map.of(
                "output/*.txt", "moderately_sensitive",
                "output/l*.csv", "moderately_sensitive",
                "output/**/f.csv", "highly_sensitive"));
    assertEquals("finalized", r.last().getString("stage"), r.last().encode());
    assertEquals("Completed successfully", r.results().getString("status_message"));
    assertEquals("cafe\n", Files.readString(RawPaths.resolve(h.high(r.ws()), "output/café.txt")));
    assertEquals("cafe\n", Files.readString(RawPaths.resolve(h.medium(r.ws()), "output/café.txt")));
    assertEquals("a\n1\n", Files.readString(RawPaths.resolve(h.medium(r.ws()), longName)));
    assertEquals("deep\n", Files.readString(RawPaths.resolve(h.high(r.ws()), deep)));
    JsonObject manifest =
        new JsonObject(Files.readString(h.medium(r.ws()).resolve("metadata/manifest.json")))
            .getJsonObject("outputs");
    assertTrue(manifest.containsKey("output/café.txt"), manifest.fieldNames().toString());
    assertTrue(agent.output().contains("not UTF-8"), "the locale was noticed at start");
    ranOnce(r);
    assertWithinBudget("odd names that can be filed");
  }

  @Test
  void namesThatCannotBeFiledFailTheJobAtOnceNamingEachFileSafely() throws Exception {
    String tooLong = "output/" + "m".repeat(251) + ".csv"; // 255 bytes: no room for .txt
    Run r =
        run(
            "mkdir -p output && echo 1 > \"$(printf 'output/caf\\351.csv')\""
                + " && echo 2 > \"$(printf 'output/new\\nline.csv')\""
                + " && echo 3 > \"$(printf 'output/back\\\\slash.csv')\""
                + " && echo 4 > "
                + tooLong,
            Map.of("output/*.csv", "moderately_sensitive"));
    assertEquals("error", r.last().getString("stage"));
    String message = r.results().getJsonObject("error").getString("message");
    assertEquals(
        "The job's outputs were not filed: 4 output files cannot be filed (the job log names them"
            + " and says why).",
        message);
    String log = actionLog(h.medium(r.ws()), r);
    assertTrue(log.contains("\n  'output/caf\\xe9.csv': its name is not valid UTF-8 text\n"), log);
    assertTrue(log.contains("\n  'output/new\\nline.csv': its name contains a control character"));
    assertTrue(log.contains("\n  'output/back\\\\slash.csv': its name contains a backslash"));
    assertTrue(log.contains("its name is 255 bytes long; moderately_sensitive output names"));
    assertFalse(log.contains("\nline.csv"), "no name adds a line to the job log");
    assertFalse(
        log.contains("a path in the workspace leads outside it"), "not mistaken for an escape");
    assertFalse(Files.exists(h.high(r.ws()).resolve("output")), "nothing filed");
    assertFalse(Files.exists(h.medium(r.ws()).resolve("metadata/manifest.json")));
    ranOnce(r);
    assertWithinBudget("names that cannot be filed");
  }

  @Test
  void aModeratelySensitiveCsvThatIsNotTextIsExcluded() throws Exception {
    Run r =
        run(
            "mkdir -p output && printf 'patient_id,age\\n1,50\\n2,\\377\\n' > output/x.csv",
            Map.of("output/x.csv", "moderately_sensitive"));
    assertEquals("finalized", r.last().getString("stage"));
    assertTrue(r.results().getBoolean("has_level4_excluded_files"));
    assertFalse(Files.exists(h.medium(r.ws()).resolve("output/x.csv")), "never accepted");
    assertTrue(
        Files.readString(h.medium(r.ws()).resolve("output/x.csv.txt"))
            .contains("it is not valid UTF-8 text (line 3)"));
    assertTrue(
        actionLog(h.medium(r.ws()), r)
            .contains("output/x.csv  - File could not be checked: it is not valid UTF-8 text"));
    ranOnce(r);
    assertWithinBudget("a CSV that is not text");
  }

  @Test
  void symlinksOutOfTheWorkspaceAreRefusedInTheJobLog() throws Exception {
    Run r =
        run(
            "mkdir -p output && echo ok > output/real.csv && ln -s /etc/passwd output/passwd.csv",
            Map.of("output/*.csv", "highly_sensitive"));
    assertEquals("finalized", r.last().getString("stage"));
    assertTrue(Files.exists(h.high(r.ws()).resolve("output/real.csv")));
    assertFalse(Files.exists(h.high(r.ws()).resolve("output/passwd.csv")));
    assertTrue(
        actionLog(h.medium(r.ws()), r)
            .contains("'output/passwd.csv': a symlink pointing outside the job's workspace"));
    ranOnce(r);
    assertWithinBudget("symlinks");
  }

  @Test
  void aDatabaseJobPrintingItsEnvironmentLeaksNothingToMediumPrivacy() throws Exception {
    Run r =
        run(
            "mkdir -p output && env && env > output/env.txt && echo fine > output/fine.txt",
            Map.of("output/*.txt", "moderately_sensitive"),
            def -> def.put("allow_database_access", true).put("database_name", "default"));
    assertEquals("finalized", r.last().getString("stage"));
    String log = actionLog(h.medium(r.ws()), r);
    assertTrue(log.contains("DATABASE_URL=xxxx-REDACTED-xxxx"), log);
    try (Stream<Path> s = Files.walk(h.workdir.resolve("medium_privacy"))) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        assertFalse(Files.readString(f).contains(DB_PASSWORD), "secret in " + f);
      }
    }
    assertFalse(Files.readString(h.logDir(r.jobId()).resolve("logs.txt")).contains(DB_PASSWORD));
    assertFalse(r.last().encode().contains(DB_PASSWORD), "nor in what the controller got");
    ranOnce(r);
    assertWithinBudget("a database job printing its environment");
  }
}

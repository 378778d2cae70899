package org.rap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6: "kill -9 the agent while a job runs, start it again: the job finishes once, with its
 * outputs, logs and metadata intact". The agent is the real jar in its own process, driven by a
 * {@link ScriptedController} that records every update; Docker is watched from outside through
 * {@code docker events}, so a second container for the job could not go unnoticed even though the
 * agent removes the container at the end.
 */
class AgentCrashIT {
  private static final String PROJECT =
      "version: '4.0'\nactions:\n  slow_job:\n    run: python:v2 sh -c 'sleep 8'\n"
          + "    outputs:\n      moderately_sensitive:\n        data: output/data.csv\n        report: output/report.md\n"
          + "  big_job:\n    run: python:v2 sh -c 'true'\n"
          + "    outputs:\n      highly_sensitive:\n        big: output/big*.bin\n      moderately_sensitive:\n        summary: output/summary.csv\n";

  @TempDir Path tmp;
  private final List<JarProcess> agents = new ArrayList<>();
  private final List<String> containers = new ArrayList<>();
  private ScriptedController controller;

  @AfterEach
  void tearDown() {
    agents.forEach(JarProcess::close);
    containers.forEach(AgentHarness::removeContainer);
    if (controller != null) {
      controller.close();
    }
  }

  private String logs() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < agents.size(); i++) {
      try {
        sb.append("--- agent ")
            .append(i + 1)
            .append('\n')
            .append(agents.get(i).output())
            .append('\n');
      } catch (Exception e) {
        sb.append(e);
      }
    }
    sb.append("--- updates\n");
    controller.updates.forEach(u -> sb.append(u.encode()).append('\n'));
    sb.append("--- refused\n").append(controller.refused);
    return sb.toString();
  }

  private static List<String> listing(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .map(p -> dir.relativize(p) + " " + p.toFile().length())
          .sorted()
          .toList();
    }
  }

  /** SIGKILL (Process.destroyForcibly on Linux); a JVM killed by signal 9 exits with 128 + 9. */
  private void killMinus9(JarProcess agent) throws Exception {
    agent.process.destroyForcibly();
    assertTrue(agent.process.waitFor(30, TimeUnit.SECONDS), "agent did not die");
    assertEquals(137, agent.process.exitValue(), "the agent died of SIGKILL, not a graceful stop");
  }

  @Test
  void agentKilledWhileTheJobRunsFinishesItOnceAfterRestart() throws Exception {
    long since = System.currentTimeMillis() / 1000 - 1;
    AgentHarness h = new AgentHarness(tmp, PROJECT, Map.of());
    controller = new ScriptedController("test", AgentHarness.TOKEN).start();
    String jobId = AgentHarness.newJobId();
    String name = "os-job-" + jobId;
    containers.add(name);
    String taskId = jobId + "-001";
    String script =
        "mkdir -p output; echo before-the-kill; printf 'a,b\\n1,2\\n' > output/data.csv;"
            + " sleep 8; echo after-the-kill; echo '# report' > output/report.md";
    controller.add(
        ScriptedController.task(
            taskId,
            "runjob",
            h.definition(
                jobId,
                "crash",
                "slow_job",
                script,
                Map.of(
                    "output/data.csv",
                    "moderately_sensitive",
                    "output/report.md",
                    "moderately_sensitive"),
                List.of())));

    try (AgentHarness.ContainerEvents events = new AgentHarness.ContainerEvents(name, since)) {
      JarProcess first = h.startAgent(controller);
      agents.add(first);
      ScriptedController.await(
          "the job executing",
          Duration.ofMinutes(2),
          () -> controller.hasUpdate(taskId, u -> "executing".equals(u.getString("stage"))),
          this::logs);
      JsonObject before = AgentHarness.inspect(name);
      assertNotNull(before, "the job's container exists");
      String containerId = before.getString("Id");
      assertTrue(before.getJsonObject("State").getBoolean("Running"), before.encodePrettily());

      killMinus9(first);
      int updatesAtKill = controller.updates.size();
      JsonObject orphan = AgentHarness.inspect(name);
      assertNotNull(orphan, "the container outlives the agent");
      assertEquals(containerId, orphan.getString("Id"));
      assertTrue(
          orphan.getJsonObject("State").getBoolean("Running"),
          "the job keeps running without its agent");
      assertFalse(
          controller.hasUpdate(taskId, u -> u.getBoolean("complete")),
          "nothing final before the kill");

      JarProcess second = h.startAgent(controller);
      agents.add(second);
      ScriptedController.await(
          "the job complete",
          Duration.ofMinutes(2),
          () -> !controller.isActive(taskId),
          this::logs);
      // the next rounds see the task inactive: give the agent a moment to (wrongly) act again
      Thread.sleep(1500);

      // exactly one container, ever: the one that was running when the first agent died
      assertEquals(List.of(containerId), events.ids("create"), "docker events: " + events.lines);
      assertEquals(List.of(containerId), events.ids("start"), "docker events: " + events.lines);
      assertTrue(
          events.ids("die").stream().allMatch(containerId::equals),
          "docker events: " + events.lines);
      assertEquals(List.of(), events.ids("kill"), "nobody killed the job: " + events.lines);
      ScriptedController.await(
          "the container removed",
          Duration.ofSeconds(30),
          () -> !events.ids("destroy").isEmpty(),
          this::logs);
      assertEquals(
          "",
          AgentHarness.docker("ps", "-aq", "--filter", "name=^" + name + "$"),
          "cleanup removed it");

      // the controller got exactly one final result, from the second agent, and no re-prepare
      List<JsonObject> finals =
          controller.updatesFor(taskId).stream().filter(u -> u.getBoolean("complete")).toList();
      assertEquals(1, finals.size(), logs());
      JsonObject fin = finals.get(0);
      assertEquals("finalized", fin.getString("stage"), logs());
      assertTrue(
          controller.updatesFor(taskId).indexOf(fin) >= 0
              && controller.updates.indexOf(fin) >= updatesAtKill);
      List<String> stages = controller.stagesFor(taskId);
      assertEquals(1, stages.stream().filter("preparing/false"::equals).count(), stages.toString());
      assertEquals(1, stages.stream().filter("prepared/false"::equals).count(), stages.toString());
      assertEquals(
          1, stages.stream().filter("finalizing/false"::equals).count(), stages.toString());
      assertEquals("finalized/true", stages.get(stages.size() - 1), stages.toString());
      JsonObject results = fin.getJsonObject("results");
      assertEquals("0", results.getString("exit_code"), results.encodePrettily());
      assertEquals("Completed successfully", results.getString("status_message"));
      assertEquals(false, results.getValue("error"));
      assertEquals(
          containerId,
          results.getJsonObject("container_metadata").getString("Id"),
          "the same container");
      assertEquals(taskId, results.getString("task_id"));
      assertFalse(results.containsKey("outputs"), "results are redacted");

      // outputs, logs and metadata where the reference puts them, once
      Path high = h.high("crash");
      Path medium = h.medium("crash");
      assertEquals("a,b\n1,2\n", Files.readString(high.resolve("output/data.csv")));
      assertEquals("# report\n", Files.readString(high.resolve("output/report.md")));
      assertEquals("a,b\n1,2\n", Files.readString(medium.resolve("output/data.csv")));
      assertEquals("# report\n", Files.readString(medium.resolve("output/report.md")));
      assertEquals(List.of(h.logDir(jobId).resolve("metadata.json")), h.metadataFiles(jobId));
      JsonObject metadata =
          new JsonObject(Files.readString(h.logDir(jobId).resolve("metadata.json")));
      assertEquals(
          new JsonObject()
              .put("output/data.csv", "moderately_sensitive")
              .put("output/report.md", "moderately_sensitive"),
          metadata.getJsonObject("outputs"));
      assertEquals("0", metadata.getString("exit_code"));
      assertEquals(containerId, metadata.getJsonObject("container_metadata").getString("Id"));
      assertEquals(fin.getLong("timestamp_ns"), metadata.getLong("timestamp_ns"));
      String jobLog = Files.readString(h.logDir(jobId).resolve("logs.txt"));
      assertTrue(jobLog.contains("before-the-kill") && jobLog.contains("after-the-kill"), jobLog);
      assertEquals(1, jobLog.split("=============JOB SUMMARY=============", -1).length - 1, jobLog);
      assertEquals(jobLog, Files.readString(high.resolve("metadata/slow_job.log")));
      assertEquals(jobLog, Files.readString(medium.resolve("metadata/slow_job.log")));
      JsonObject manifest =
          new JsonObject(Files.readString(medium.resolve("metadata/manifest.json")));
      assertEquals(2, manifest.getJsonObject("outputs").size(), manifest.encodePrettily());
      assertEquals(
          jobId,
          manifest.getJsonObject("outputs").getJsonObject("output/data.csv").getString("job_id"));
      assertFalse(Files.exists(h.volume(jobId)), "volume deleted by cleanup");
    }
    assertEquals(0, agents.get(1).terminate(), logs());
  }

  /**
   * Optional item: the agent dies while finalizing (copying a large output). The restarted agent
   * finalizes again from scratch: one metadata file, one manifest entry per output, one final
   * update. When the first agent happens to have finished finalizing before the kill landed, the
   * test is skipped rather than passed (that case is the crash-recovery path of the first test).
   */
  @Test
  void agentKilledWhileFinalizingFinalizesOnceAfterRestart() throws Exception {
    long since = System.currentTimeMillis() / 1000 - 1;
    AgentHarness h = new AgentHarness(tmp, PROJECT, Map.of());
    controller = new ScriptedController("test", AgentHarness.TOKEN).start();
    String jobId = AgentHarness.newJobId();
    String name = "os-job-" + jobId;
    containers.add(name);
    String taskId = jobId + "-001";
    String script =
        "mkdir -p output; for i in 1 2 3 4 5 6; do dd if=/dev/urandom of=output/big$i.bin bs=1M count=40 2>/dev/null; done;"
            + " printf 'n\\n1\\n' > output/summary.csv; echo made";
    controller.add(
        ScriptedController.task(
            taskId,
            "runjob",
            h.definition(
                jobId,
                "crashfin",
                "big_job",
                script,
                Map.of(
                    "output/big*.bin",
                    "highly_sensitive",
                    "output/summary.csv",
                    "moderately_sensitive"),
                List.of())));
    try (AgentHarness.ContainerEvents events = new AgentHarness.ContainerEvents(name, since)) {
      JarProcess first = h.startAgent(controller);
      agents.add(first);
      ScriptedController.await(
          "finalizing",
          Duration.ofMinutes(3),
          () -> controller.hasUpdate(taskId, u -> "finalizing".equals(u.getString("stage"))),
          this::logs);
      // kill once the copying of outputs into the workspace has begun
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (listing(h.high("crashfin")).isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(2);
      }
      killMinus9(first);
      System.out.println(
          "high-privacy workspace when the agent died: " + listing(h.high("crashfin")));
      boolean finishedBeforeKill =
          Files.exists(h.logDir(jobId).resolve("metadata.json")) || !controller.isActive(taskId);
      Assumptions.assumeFalse(finishedBeforeKill, "finalize completed before SIGKILL landed");
      JsonObject container = AgentHarness.inspect(name);
      assertNotNull(container, "the exited container is kept until finalize is done");

      JarProcess second = h.startAgent(controller);
      agents.add(second);
      ScriptedController.await(
          "the job complete",
          Duration.ofMinutes(3),
          () -> !controller.isActive(taskId),
          this::logs);
      Thread.sleep(1500);

      assertEquals(1, events.ids("create").size(), "docker events: " + events.lines);
      List<JsonObject> finals =
          controller.updatesFor(taskId).stream().filter(u -> u.getBoolean("complete")).toList();
      assertEquals(1, finals.size(), logs());
      JsonObject results = finals.get(0).getJsonObject("results");
      assertEquals("finalized", finals.get(0).getString("stage"));
      assertEquals(
          "Completed successfully", results.getString("status_message"), results.encodePrettily());
      assertEquals(
          container.getString("Id"), results.getJsonObject("container_metadata").getString("Id"));
      assertEquals(List.of(h.logDir(jobId).resolve("metadata.json")), h.metadataFiles(jobId));
      JsonObject metadata =
          new JsonObject(Files.readString(h.logDir(jobId).resolve("metadata.json")));
      assertEquals(7, metadata.getJsonObject("outputs").size(), metadata.encodePrettily());
      for (int i = 1; i <= 6; i++) {
        Path out = h.high("crashfin").resolve("output/big" + i + ".bin");
        assertEquals(40L << 20, Files.size(out), out.toString());
      }
      try (var s = Files.walk(h.high("crashfin"))) {
        List<Path> leftovers =
            s.filter(p -> !Files.isDirectory(p))
                .filter(
                    p ->
                        !p.getFileName()
                            .toString()
                            .matches("big\\d\\.bin|summary\\.csv|big_job\\.log"))
                .toList();
        assertEquals(List.of(), leftovers, "no temporary files left in the workspace");
      }
      JsonObject manifest =
          new JsonObject(Files.readString(h.medium("crashfin").resolve("metadata/manifest.json")));
      assertEquals(7, manifest.getJsonObject("outputs").size(), manifest.encodePrettily());
      assertEquals("n\n1\n", Files.readString(h.medium("crashfin").resolve("output/summary.csv")));
      String jobLog = Files.readString(h.logDir(jobId).resolve("logs.txt"));
      assertEquals(1, jobLog.split("=============JOB SUMMARY=============", -1).length - 1, jobLog);
    }
    assertEquals(0, agents.get(1).terminate(), logs());
  }
}

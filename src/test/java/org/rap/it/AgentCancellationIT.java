package org.rap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6 acceptance: cancellation while preparing, running and finished, with the real agent jar
 * and the real Docker engine, driven by a {@link ScriptedController} that cancels as the controller
 * does (the RUNJOB task is deactivated and a CANCELJOB task with the same definition appears).
 * Updates follow docs/spec/task-api.md section 5.2; files docs/spec/agent-executor.md sections 6
 * and 8.
 */
class AgentCancellationIT {
  private static final String PROJECT =
      "version: '4.0'\nactions:\n  job:\n    run: python:v2 sh -c 'true'\n"
          + "    outputs:\n      moderately_sensitive:\n        out: output/out.csv\n";

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

  private JsonObject metadata(AgentHarness h, String jobId) throws Exception {
    return new JsonObject(Files.readString(h.logDir(jobId).resolve("metadata.json")));
  }

  private String addJob(AgentHarness h, String ws, String script) {
    String jobId = AgentHarness.newJobId();
    containers.add("os-job-" + jobId);
    controller.add(
        ScriptedController.task(
            jobId + "-001",
            "runjob",
            h.definition(
                jobId,
                ws,
                "job",
                script,
                Map.of("output/out.csv", "moderately_sensitive"),
                List.of())));
    return jobId;
  }

  private void awaitInactive(String taskId) throws InterruptedException {
    ScriptedController.await(
        taskId + " complete",
        Duration.ofMinutes(2),
        () -> controller.hasUpdate(taskId, u -> u.getBoolean("complete")),
        this::diagnostics);
  }

  @Test
  void cancelWhilePreparingRunningAndFinished() throws Exception {
    long since = System.currentTimeMillis() / 1000 - 1;
    AgentHarness h = new AgentHarness(tmp, PROJECT, Map.of());
    controller = new ScriptedController("test", AgentHarness.TOKEN).start();
    agent = h.startAgent(controller);
    String script = "mkdir -p output; echo a > output/out.csv; echo wrote; sleep 300";

    // 1. while preparing: the controller cancels when the agent says "preparing", before the
    //    agent even starts to prepare (it waits for the answer)
    String preparing = addJob(h, "cancel-preparing", script);
    String preparingTask = preparing + "-001";
    controller.onUpdate =
        u -> {
          if (u.getString("task_id").equals(preparingTask)
              && u.getString("stage").equals("preparing")) {
            controller.cancel(preparingTask);
          }
        };
    List<String> created;
    try (AgentHarness.ContainerEvents events =
        new AgentHarness.ContainerEvents("os-job-" + preparing, since)) {
      awaitInactive(preparingTask + "-cancel");
      Thread.sleep(1000); // the agent must not go on with the inactive RUNJOB
      assertEquals(
          List.of("preparing/false"),
          controller.stagesFor(preparingTask).subList(0, 1),
          diagnostics());
      created = events.ids("create");
      // An agent acting on each poll's list never starts this job (what happens today). One that
      // re-handles a task between polls may start it once before it sees the CANCELJOB; the
      // cancellation must then kill and remove it. Never more than one container.
      assertTrue(created.size() <= 1, "docker events: " + events.lines);
      if (created.isEmpty()) {
        assertTrue(
            controller.stagesFor(preparingTask).stream().noneMatch(s -> s.startsWith("executing")),
            "no container but executing reported: " + diagnostics());
      } else {
        System.out.println(
            "job cancelled while preparing was started before the cancellation: " + diagnostics());
      }
    }
    List<String> stages = controller.stagesFor(preparingTask + "-cancel");
    assertEquals("finalized/true", stages.get(stages.size() - 1), stages.toString());
    JsonObject meta = metadata(h, preparing);
    assertEquals(true, meta.getBoolean("cancelled"));
    assertEquals("Job cancelled by system", meta.getString("status_message"));
    assertEquals(new JsonObject(), meta.getJsonObject("outputs"));
    if (created.isEmpty()) {
      assertTrue(
          List.of("prepared/false", "unknown/false").contains(stages.get(0)), stages.toString());
      assertEquals("None", meta.getString("exit_code"));
      assertFalse(
          Files.exists(h.logDir(preparing).resolve("logs.txt")), "no container, no logs.txt");
    }
    assertEquals(
        "",
        AgentHarness.docker("ps", "-aq", "--filter", "name=^os-job-" + preparing + "$"),
        "container removed");
    assertFalse(Files.exists(h.volume(preparing)), "volume removed");
    assertFalse(Files.exists(h.high("cancel-preparing").resolve("output/out.csv")));

    // 2. while running: executing, then executed after the kill, then finalized
    controller.onUpdate = u -> {};
    String running = addJob(h, "cancel-running", script);
    String runningTask = running + "-001";
    ScriptedController.await(
        "executing",
        Duration.ofMinutes(2),
        () -> controller.hasUpdate(runningTask, u -> u.getString("stage").equals("executing")),
        this::diagnostics);
    controller.cancel(runningTask);
    awaitInactive(runningTask + "-cancel");
    assertEquals(
        List.of("executing/false", "executed/false", "finalized/true"),
        controller.stagesFor(runningTask + "-cancel"),
        diagnostics());
    meta = metadata(h, running);
    assertEquals(true, meta.getBoolean("cancelled"));
    assertEquals("137", meta.getString("exit_code"));
    assertEquals("Job cancelled by system", meta.getString("status_message"));
    assertEquals(new JsonObject(), meta.getJsonObject("outputs"), "no outputs for a cancelled job");
    String logs = Files.readString(h.logDir(running).resolve("logs.txt"));
    assertTrue(
        logs.contains("wrote") && logs.contains("=============JOB SUMMARY============="), logs);
    assertFalse(Files.exists(h.high("cancel-running").resolve("output/out.csv")));
    assertFalse(
        Files.exists(h.high("cancel-running").resolve("metadata/job.log")),
        "no workspace log when cancelled");
    assertFalse(Files.exists(h.medium("cancel-running").resolve("metadata/job.log")));
    assertEquals(
        "",
        AgentHarness.docker("ps", "-aq", "--filter", "name=^os-job-" + running + "$"),
        "container removed");
    assertFalse(Files.exists(h.volume(running)), "volume removed");

    // 3. finished: a completed job's files are kept; the cancel reports finalized twice
    String finished = addJob(h, "cancel-finished", "mkdir -p output; echo done > output/out.csv");
    awaitInactive(finished + "-001");
    JsonObject before = metadata(h, finished);
    controller.cancel(finished + "-001");
    awaitInactive(finished + "-001-cancel");
    assertEquals(
        List.of("finalized/false", "finalized/true"),
        controller.stagesFor(finished + "-001-cancel"),
        diagnostics());
    assertEquals(before, metadata(h, finished), "metadata untouched");
    assertEquals(false, before.getBoolean("cancelled"));
    assertEquals("done\n", Files.readString(h.high("cancel-finished").resolve("output/out.csv")));
    assertEquals("done\n", Files.readString(h.medium("cancel-finished").resolve("output/out.csv")));
    assertTrue(Files.exists(h.medium("cancel-finished").resolve("metadata/job.log")));

    assertEquals(List.of(), controller.refused);
    assertEquals(0, agent.terminate(), diagnostics());
  }
}

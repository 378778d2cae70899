package org.rap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.model.JobIds;
import org.rap.controller.db.DatabaseTarget;
import org.rap.it.JarProcess;
import org.rap.testing.TestDatabases;

/**
 * Several agents on one backend (docs/spec/task-api.md section 8), as separate processes sharing
 * the storage trees and the Docker engine, each with its own id, port, workdir and volume
 * directory, on PostgreSQL: every job runs exactly once and on one agent, the work is shared, and
 * an agent lost to kill -9 or SIGSTOP gives its jobs up to the others and writes nothing after.
 */
@Tag("docker")
@Tag("postgres")
class FleetIT {
  @TempDir Path tmp;

  private DatabaseTarget db;
  private RapDeployment d;
  private Process watch;

  @AfterEach
  void stopWatching() {
    if (watch != null) {
      watch.destroy();
    }
  }

  private RapDeployment deploy(String project, int leaseSeconds) throws Exception {
    db = TestDatabases.fresh("postgresql");
    Map<String, String> controller = new HashMap<>();
    controller.put("TEST_MAX_WORKERS", "6");
    controller.put("TASK_LEASE_SECONDS", String.valueOf(leaseSeconds));
    d = new RapDeployment(tmp, db.pgUri(), Map.of("project.yaml", project), controller);
    return d;
  }

  /** Agent {@code n}: its own id, port, workdir and volumes; the shared storage trees. */
  private JarProcess startAgent(int n, int port) throws Exception {
    Path home = Files.createDirectories(tmp.resolve("agent-" + n));
    Map<String, String> s = new HashMap<>();
    s.put("AGENT_ID", "agent-" + n);
    s.put("AGENT_PORT", String.valueOf(port));
    s.put("AGENT_MAX_WORKERS", "2");
    s.put("WORKDIR", home.toString());
    s.put("HIGH_PRIVACY_STORAGE_BASE", tmp.resolve("shared/high_privacy").toString());
    s.put("MEDIUM_PRIVACY_STORAGE_BASE", tmp.resolve("shared/medium_privacy").toString());
    s.put("HIGH_PRIVACY_VOLUME_DIR", home.resolve("volumes").toString());
    return d.startAgent(s);
  }

  private static String project(int jobs, int sleepSeconds) {
    StringBuilder y = new StringBuilder("version: \"4.0\"\nactions:\n");
    for (int i = 1; i <= jobs; i++) {
      String a = String.format("a%02d", i);
      y.append("  ")
          .append(a)
          .append(":\n    run: python:v2 sh -c 'mkdir -p output; sleep ")
          .append(sleepSeconds)
          .append("; date +%s%N > output/")
          .append(a)
          .append(".txt'\n    outputs:\n      moderately_sensitive:\n        out: output/")
          .append(a)
          .append(".txt\n");
    }
    return y.toString();
  }

  private static List<String> actions(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(String.format("a%02d", i));
    }
    return out;
  }

  @Test
  void threeAgentsShareSixtyJobsAndRunEachOnce() throws Exception {
    // followed live: the engine keeps only its latest events, and others' tests add to them
    Path events = tmp.resolve("docker-events.txt");
    watch =
        new ProcessBuilder(
                "docker",
                "events",
                "--filter",
                "type=container",
                "--filter",
                "event=start",
                "--format",
                "{{.Actor.Attributes.name}}")
            .redirectOutput(events.toFile())
            .redirectErrorStream(true)
            .start();
    deploy(project(60, 1), 30);
    try (RapDeployment closing = d) {
      d.startController();
      for (int n = 1; n <= 3; n++) {
        startAgent(n, JarProcess.freePort());
      }
      String rap = JobIds.newRapId();
      d.create(rap, "fleet", actions(60).toArray(String[]::new));
      JsonArray jobs = d.awaitJobs(rap, RapDeployment::allFinal, Duration.ofMinutes(8), 1000);
      for (Object o : jobs) {
        assertEquals("succeeded", ((JsonObject) o).getString("status"), o + d.logs());
      }
      assertEquals(60, jobs.size());
      assertTrue(watch.isAlive(), "docker events was followed");
      Thread.sleep(1_000);
      watch.destroy();
      Map<String, Integer> starts = new HashMap<>();
      for (String name : Files.readAllLines(events)) {
        starts.merge(name.strip(), 1, Integer::sum);
      }
      for (Object o : jobs) {
        String id = ((JsonObject) o).getString("identifier");
        assertEquals(1, starts.getOrDefault("os-job-" + id, 0), "started once: " + id);
      }
      Map<String, Integer> perAgent =
          counts("SELECT agent_id, COUNT(*) FROM tasks WHERE type = 'runjob' GROUP BY agent_id");
      System.out.println("[FleetIT] RUNJOB tasks per agent: " + perAgent);
      assertEquals(3, perAgent.size(), perAgent.toString());
      assertEquals(60, perAgent.values().stream().mapToInt(Integer::intValue).sum());
      for (int n : perAgent.values()) {
        assertTrue(n >= 10 && n <= 30, "a fair share of 60 jobs: " + perAgent);
      }
      JsonObject outputs = manifest("fleet").getJsonObject("outputs");
      for (String a : actions(60)) {
        assertTrue(outputs.containsKey("output/" + a + ".txt"), "manifest lists " + a);
      }
    }
  }

  @Test
  void jobsOfAnAgentKilledMidRunFinishElsewhere() throws Exception {
    deploy(project(6, 12), 5);
    try (RapDeployment closing = d) {
      d.startController();
      int victimPort = JarProcess.freePort();
      JarProcess victim = startAgent(1, victimPort);
      String rap = JobIds.newRapId();
      d.create(rap, "killed", actions(6).toArray(String[]::new));
      d.awaitJobs(rap, js -> runningOn("agent-1") == 2, Duration.ofMinutes(2), 200);
      startAgent(2, JarProcess.freePort());
      startAgent(3, JarProcess.freePort());
      List<String> lost = runsOf("agent-1");
      RapDeployment.killMinus9(victim);
      JsonArray jobs = d.awaitJobs(rap, RapDeployment::allFinal, Duration.ofMinutes(5), 500);
      for (Object o : jobs) {
        assertEquals("succeeded", ((JsonObject) o).getString("status"), o + d.logs());
      }
      // the lost attempts ended naming the agent; the next ran elsewhere
      Map<String, Integer> lostTasks =
          counts(
              "SELECT agent_id, COUNT(*) FROM tasks WHERE type = 'runjob'"
                  + " AND agent_results LIKE '%LeaseExpired%' GROUP BY agent_id");
      assertEquals(Map.of("agent-1", 2), lostTasks, d.logs());
      // restarted with the same id: nothing of its lost attempts is left, nothing filed by it
      startAgent(1, victimPort);
      Thread.sleep(5_000);
      for (String task : lost) {
        assertEquals(
            "",
            RapDeployment.docker("ps", "-aq", "--filter", "label=rap.task=" + task),
            "run of lost attempt " + task + " removed");
      }
      assertFinalAttemptsFiled(jobs, "killed");
    }
  }

  @Test
  void anAgentStoppedPastItsLeaseIsRefusedAndWritesNothing() throws Exception {
    deploy(project(1, 8), 5);
    try (RapDeployment closing = d) {
      d.startController();
      JarProcess stopped = startAgent(1, JarProcess.freePort());
      String rap = JobIds.newRapId();
      d.create(rap, "stopped", "a01");
      d.awaitJobs(rap, js -> runningOn("agent-1") == 1, Duration.ofMinutes(2), 200);
      String first = runsOf("agent-1").get(0);
      signal(stopped, "STOP");
      try {
        startAgent(2, JarProcess.freePort());
        JsonArray jobs = d.awaitJobs(rap, RapDeployment::allFinal, Duration.ofMinutes(3), 500);
        assertEquals("succeeded", jobs.getJsonObject(0).getString("status"), d.logs());
      } finally {
        signal(stopped, "CONT");
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!RapDeployment.output(stopped).contains("Lost task " + first)) {
        assertTrue(System.nanoTime() < deadline, "the stopped agent learnt it lost " + first);
        Thread.sleep(250);
      }
      assertTrue(
          RapDeployment.output(d.controller()).contains("Refused an update from backend test"),
          "its late update was refused: " + d.logs());
      assertEquals("", RapDeployment.docker("ps", "-aq", "--filter", "label=rap.task=" + first));
      assertFinalAttemptsFiled(d.jobs(rap), "stopped");
    }
  }

  /** Each job's metadata and manifest entry are its last attempt's. */
  private void assertFinalAttemptsFiled(JsonArray jobs, String workspace) throws Exception {
    JsonObject outputs = manifest(workspace).getJsonObject("outputs");
    Map<String, String> latest = latestTasks();
    for (Object o : jobs) {
      JsonObject job = (JsonObject) o;
      String id = job.getString("identifier");
      String action = job.getString("action");
      JsonObject entry = outputs.getJsonObject("output/" + action + ".txt");
      assertEquals(id, entry.getString("job_id"), entry.encode());
      Path metadata;
      try (Stream<Path> months = Files.list(tmp.resolve("shared/high_privacy/logs"))) {
        metadata =
            months
                .map(m -> m.resolve("os-job-" + id).resolve("metadata.json"))
                .filter(Files::exists)
                .findFirst()
                .orElseThrow();
      }
      JsonObject meta = new JsonObject(Files.readString(metadata));
      assertEquals(latest.get(id), meta.getString("task_id"), "filed by the last attempt");
    }
  }

  private JsonObject manifest(String workspace) throws Exception {
    Path m =
        tmp.resolve("shared/medium_privacy/workspaces")
            .resolve(workspace)
            .resolve("metadata/manifest.json");
    return new JsonObject(Files.readString(m));
  }

  /** Running containers started by an agent. */
  private static int runningOn(String agent) {
    try {
      String out =
          RapDeployment.docker(
              "ps", "-q", "--filter", "label=rap.agent=" + agent, "--filter", "status=running");
      return out.isBlank() ? 0 : out.strip().split("\n").length;
    } catch (Exception e) {
      return 0;
    }
  }

  /** The task ids of the runs an agent started that Docker has. */
  private static List<String> runsOf(String agent) throws Exception {
    String out =
        RapDeployment.docker(
            "ps",
            "-a",
            "--filter",
            "label=rap.agent=" + agent,
            "--format",
            "{{.Label \"rap.task\"}}");
    List<String> ids = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (!line.isBlank()) {
        ids.add(line.strip());
      }
    }
    return ids;
  }

  private static void signal(JarProcess p, String signal) throws Exception {
    Process kill =
        new ProcessBuilder("kill", "-" + signal, String.valueOf(p.process.pid())).start();
    assertEquals(0, kill.waitFor());
  }

  private Map<String, Integer> counts(String sql) throws Exception {
    Map<String, Integer> out = new HashMap<>();
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getInt(2));
      }
    }
    return out;
  }

  /** The latest RUNJOB task of each job. */
  private Map<String, String> latestTasks() throws Exception {
    Map<String, String> out = new HashMap<>();
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT job_id, id FROM tasks WHERE type = 'runjob' ORDER BY id")) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getString(2));
      }
    }
    return out;
  }
}

package org.rap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rap.reliability.RapDeployment.allFinal;
import static org.rap.reliability.RapDeployment.byAction;

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
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rap.common.model.JobIds;
import org.rap.controller.db.DatabaseTarget;
import org.rap.testing.TestDatabases;

/**
 * kill -9 of the controller, and of the agent, in every stage of a job's life, each followed by a
 * restart: a job that waits for its task, a job finalizing a 300 MB output, a job preparing
 * (copying that output in as its input) and a job executing. Every job must end as it would have
 * without the kills, with its outputs, and nothing may run twice: each job's container is started
 * exactly once (counted from {@code docker events}) and each job has exactly one RUNJOB task.
 */
class KillNineIT {
  private static final String PROJECT =
      """
      version: "4.0"
      actions:
        big:
          run: python:v2 sh -c 'mkdir -p output; sleep 2; dd if=/dev/zero of=output/big.bin bs=1M count=300 2>/dev/null; echo big > output/big.txt'
          outputs:
            highly_sensitive:
              big: output/big.bin
            moderately_sensitive:
              note: output/big.txt
        use_big:
          run: python:v2 sh -c 'mkdir -p output; sleep 15; ls -l output/big.bin | wc -l > output/seen.txt'
          needs: [big]
          outputs:
            moderately_sensitive:
              seen: output/seen.txt
      """;

  @TempDir Path tmp;

  /** What happened at each kill: the stage the victim's job was in. */
  private final List<String> kills = new ArrayList<>();

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void controllerKilledInEveryStage(String dialect) throws Exception {
    killedInEveryStage(dialect, true);
  }

  @Test
  void agentKilledInEveryStage() throws Exception {
    killedInEveryStage("sqlite", false);
  }

  /**
   * The stages are recognised from outside, as they happen on the backend (a job's volume appears
   * when its preparation starts; its container runs, then exits and finalization starts), and the
   * victim is killed at once.
   */
  private void killedInEveryStage(String dialect, boolean controller) throws Exception {
    DatabaseTarget db = TestDatabases.fresh(dialect);
    long since = System.currentTimeMillis() / 1000 - 1;
    Map<String, String> study = Map.of("project.yaml", PROJECT);
    try (RapDeployment d = new RapDeployment(tmp, url(db), study, Map.of())) {
      d.startController();
      d.startAgent();
      String rap = JobIds.newRapId();
      String big = JobIds.jobId(rap, "big");
      String useBig = JobIds.jobId(rap, "use_big");
      Path volume = d.agentWorkdir.resolve("high_privacy/volumes").resolve(useBig);

      if (controller) {
        // between: the jobs are committed; the first task may or may not exist yet
        d.create(rap, "kill-controller", "use_big");
        kill(d, true, "jobs created");
      } else {
        // between: the task is created while no agent runs
        kill(d, false, "idle, before the RAP");
        d.create(rap, "kill-agent", "use_big");
        d.awaitJobs(
            rap,
            js -> "initiated".equals(byAction(js, "big").getString("status_code")),
            Duration.ofMinutes(1),
            100);
        d.startAgent();
      }
      // finalizing: the moment the container exits, the agent starts copying 300 MB
      killWhen(d, controller, "big finalizing", () -> "exited".equals(containerStatus(big)));
      // preparing: the moment the job's volume appears, the agent starts copying its input
      killWhen(d, controller, "use_big preparing", () -> Files.exists(volume));
      killWhen(d, controller, "use_big executing", () -> "running".equals(containerStatus(useBig)));

      assertEverythingOnce(d, db, rap, since, big, useBig);
    }
  }

  /** Waits for {@code condition} (polled every 20 ms), kills the victim and starts it again. */
  private void killWhen(
      RapDeployment d, boolean controller, String stage, BooleanSupplier condition)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never reached: " + stage + " after " + kills + d.logs());
      }
      Thread.sleep(20);
    }
    kill(d, controller, stage);
    if (!controller) {
      d.startAgent();
    }
  }

  private void kill(RapDeployment d, boolean controller, String stage) throws Exception {
    RapDeployment.killMinus9(controller ? d.controller() : d.agent());
    kills.add((controller ? "controller" : "agent") + " killed: " + stage);
    if (controller) {
      d.startController();
    }
  }

  private static String containerStatus(String jobId) {
    try {
      return RapDeployment.docker(
          "container", "inspect", "-f", "{{.State.Status}}", "os-job-" + jobId);
    } catch (Exception e) {
      return "";
    }
  }

  private void assertEverythingOnce(
      RapDeployment d, DatabaseTarget db, String rap, long since, String big, String useBig)
      throws Exception {
    JsonArray jobs = d.awaitJobs(rap, RapDeployment::allFinal, Duration.ofMinutes(4), 250);
    String context = kills + "\n" + jobs.encodePrettily();
    assertTrue(allFinal(jobs), context);
    assertEquals(2, jobs.size(), context);
    for (Object o : jobs) {
      JsonObject j = (JsonObject) o;
      assertEquals("succeeded", j.getString("status"), context + d.logs());
    }
    assertEquals(1, RapDeployment.containerStarts(big, since), "big started once: " + context);
    assertEquals(1, RapDeployment.containerStarts(useBig, since), "use_big once: " + context);
    assertEquals(Map.of(big, 1, useBig, 1), runJobTasks(db), "one RUNJOB task each: " + context);

    Path workspace = d.agentWorkdir.resolve("high_privacy/workspaces");
    String ws = Files.list(workspace).findFirst().orElseThrow().getFileName().toString();
    Path high = workspace.resolve(ws);
    Path medium = d.agentWorkdir.resolve("medium_privacy/workspaces").resolve(ws);
    assertEquals(300L * 1024 * 1024, Files.size(high.resolve("output/big.bin")), context);
    assertEquals("big\n", Files.readString(medium.resolve("output/big.txt")));
    assertEquals("1\n", Files.readString(medium.resolve("output/seen.txt")), "input was there");
    for (String action : List.of("big", "use_big")) {
      assertTrue(Files.isRegularFile(high.resolve("metadata/" + action + ".log")), action);
    }
    System.out.println("[KillNineIT] " + String.join("; ", kills));
  }

  private static String url(DatabaseTarget db) {
    return db.dialect() == DatabaseTarget.Dialect.SQLITE ? "sqlite:" + db.sqliteFile() : db.pgUri();
  }

  /** RUNJOB tasks per job, read from the controller's database. */
  private static Map<String, Integer> runJobTasks(DatabaseTarget db) throws Exception {
    Map<String, Integer> out = new HashMap<>();
    String jdbc =
        db.dialect() == DatabaseTarget.Dialect.SQLITE
            ? "jdbc:sqlite:" + db.sqliteFile()
            : db.jdbcUrl();
    try (Connection c = DriverManager.getConnection(jdbc, db.user(), db.password());
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT job_id, COUNT(*) FROM tasks WHERE type = 'runjob' GROUP BY job_id")) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getInt(2));
      }
    }
    return out;
  }
}

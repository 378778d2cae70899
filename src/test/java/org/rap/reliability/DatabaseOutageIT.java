package org.rap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rap.reliability.RapDeployment.byAction;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.model.JobIds;
import org.rap.controller.db.DatabaseTarget;
import org.rap.testing.TestDatabases;

/**
 * The controller's database stopped under running work and started again: while it is away the RAP
 * API answers 503 with {@code Retry-After} and the error body (never 500), the controller and the
 * agent stay up, the running job carries on in Docker; once it is back, a job finished during the
 * outage is reported and a new job starts within 5 s, and nothing ran twice. PostgreSQL is a server
 * of the test's own, stopped with {@code pg_ctl stop -m fast} for 30 s; SQLite is locked by another
 * process for 15 s.
 */
class DatabaseOutageIT {
  private static final String PROJECT =
      """
      version: "4.0"
      actions:
        across:
          run: python:v2 sh -c 'mkdir -p output; sleep 12; echo across > output/across.txt'
          outputs:
            moderately_sensitive:
              across: output/across.txt
        after:
          run: python:v2 sh -c 'mkdir -p output; echo after > output/after.txt'
          outputs:
            moderately_sensitive:
              after: output/after.txt
      """;

  private static final Duration RESUME = Duration.ofSeconds(5);
  private static final List<String> ON_THE_BACKEND =
      List.of(
          "preparing", "prepared", "executing", "executed", "finalizing", "finalized", "succeeded");

  @TempDir Path tmp;

  @Test
  void postgresqlStoppedForThirtySeconds() throws Exception {
    try (PrivatePostgres pg = PrivatePostgres.start();
        RapDeployment d =
            new RapDeployment(tmp, pg.url(), Map.of("project.yaml", PROJECT), Map.of())) {
      outageAndRecovery(
          d,
          Duration.ofSeconds(30),
          pg::stopServer,
          pg::startServer,
          List.of("rap/status/", "rap/create/", "backend/status/"));
    }
  }

  @Test
  void sqliteLockedByAnotherProcess() throws Exception {
    DatabaseTarget db = TestDatabases.fresh("sqlite");
    Connection[] holder = new Connection[1];
    try (RapDeployment d =
        new RapDeployment(
            tmp, "sqlite:" + db.sqliteFile(), Map.of("project.yaml", PROJECT), Map.of())) {
      outageAndRecovery(
          d,
          Duration.ofSeconds(15),
          () -> {
            // another process holds the write lock (as a stuck maintenance script would): writes
            // fail once the busy timeout (5 s) runs out, reads go on (WAL)
            holder[0] = DriverManager.getConnection("jdbc:sqlite:" + db.sqliteFile());
            try (Statement st = holder[0].createStatement()) {
              st.execute("BEGIN EXCLUSIVE");
            }
          },
          () -> holder[0].close(),
          List.of("rap/create/"));
    } finally {
      if (holder[0] != null) {
        holder[0].close();
      }
    }
  }

  interface Step {
    void run() throws Exception;
  }

  private void outageAndRecovery(
      RapDeployment d, Duration outage, Step stop, Step start, List<String> unavailable)
      throws Exception {
    long since = System.currentTimeMillis() / 1000 - 1;
    d.startController();
    d.startAgent();
    String rap1 = JobIds.newRapId();
    d.create(rap1, "outage", "across");
    d.awaitJobs(
        rap1,
        js -> "executing".equals(byAction(js, "across").getString("status_code")),
        Duration.ofMinutes(2),
        100);

    stop.run();
    long down = System.nanoTime();
    List<String> seen = new ArrayList<>();
    int checks = 0;
    while (System.nanoTime() - down < outage.toNanos()) {
      for (String path : unavailable) {
        HttpResponse<String> r =
            path.equals("backend/status/")
                ? d.get(path)
                : d.post(
                    path,
                    path.equals("rap/create/")
                        ? d.createBody(JobIds.newRapId(), "outage", List.of("after")).encode()
                        : new JsonObject().put("rap_ids", new JsonArray().add(rap1)).encode());
        seen.add(path + " " + r.statusCode());
        assertEquals(503, r.statusCode(), path + ": " + r.body() + d.logs());
        assertEquals("2", r.headers().firstValue("Retry-After").orElse(null), path);
        JsonObject body = new JsonObject(r.body());
        assertEquals("Service unavailable", body.getString("error"), r.body());
        assertTrue(body.getString("details").startsWith("The controller's database"), r.body());
        checks++;
      }
      assertTrue(d.controller().process.isAlive(), "the controller stays up" + d.logs());
      assertTrue(d.agent().process.isAlive(), "the agent stays up" + d.logs());
      Thread.sleep(2000);
    }
    assertTrue(checks >= 3, seen.toString());

    start.run();
    long up = System.nanoTime();
    String rap2 = JobIds.newRapId();
    HttpResponse<String> created =
        d.post("rap/create/", d.createBody(rap2, "outage", List.of("after")).encode());
    assertEquals(201, created.statusCode(), "creates work at once: " + created.body() + d.logs());
    // resumed: the agent has the job (it reports its stages), not only its task made
    d.awaitJobs(
        rap2,
        js -> ON_THE_BACKEND.contains(byAction(js, "after").getString("status_code")),
        RESUME,
        100);
    long resumed = System.nanoTime() - up;
    JsonArray first = d.awaitJobs(rap1, RapDeployment::allFinal, RESUME, 100);
    long reported = System.nanoTime() - up;
    assertEquals("succeeded", byAction(first, "across").getString("status"), first.encode());
    JsonArray second = d.awaitJobs(rap2, RapDeployment::allFinal, Duration.ofMinutes(2), 250);
    assertEquals("succeeded", byAction(second, "after").getString("status"), second.encode());

    for (String jobId : List.of(JobIds.jobId(rap1, "across"), JobIds.jobId(rap2, "after"))) {
      assertEquals(1, RapDeployment.containerStarts(jobId, since), jobId + " started once");
    }
    String log = RapDeployment.output(d.controller());
    assertTrue(log.contains("the database is not answering"), log);
    long stackLines = log.lines().filter(l -> l.startsWith("\tat ")).count();
    assertTrue(stackLines < 100, stackLines + " stack trace lines: one per request?\n" + log);
    System.out.printf(
        "[DatabaseOutageIT] %d checks answered 503 during %d s; after the database came back a new"
            + " job ran after %d ms and the job finished during the outage was reported after %d"
            + " ms; %d stack trace lines in the controller's log%n",
        checks, outage.toSeconds(), resumed / 1_000_000, reported / 1_000_000, stackLines);
  }
}

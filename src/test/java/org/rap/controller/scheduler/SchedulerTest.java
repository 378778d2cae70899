package org.rap.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.StatusMessages;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;
import org.rap.testing.TestDatabases;

/** The per-job state machine (docs/spec/scheduling.md section 2) on both databases. */
class SchedulerTest {
  private Harness h;

  static List<String> dialects() {
    return TestDatabases.dialects();
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  private Harness harness(String dialect, Map<String, String> settings) throws Exception {
    h = new Harness(dialect, settings);
    return h;
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void pendingJobGetsRunJobTaskWithFullDefinition(String dialect) throws Exception {
    harness(
        dialect, Map.of("WORKSPACE_EHRQL_MAX_JOIN_COUNT", "{\"ws\": 7}", "STATA_LICENSE", "lic"));
    Job gen =
        h.insert(
            TestJob.of("generate")
                .created(Harness.T0 - 200)
                .status(State.SUCCEEDED, StatusCode.SUCCEEDED, StatusMessages.SUCCEEDED));
    TestJob a =
        TestJob.of("analyse")
            .db()
            .run("python:v2 analysis/a.py --name 'a b'")
            .needs("generate", null);
    a.analysisScope.put("dataset_permissions", List.of("b", "a2"));
    a.analysisScope.put("component_access", List.of("event_level_data"));
    Job job = h.insert(a);

    Scheduler.PassStats stats = h.pass();
    assertEquals(1, stats.tasksCreated());

    Job after = h.job(job.id());
    assertEquals(State.RUNNING, after.state());
    assertEquals(StatusCode.INITIATED, after.statusCode());
    assertEquals("Job executing on the backend", after.statusMessage());
    assertEquals(h.nowS(), after.startedAt());
    assertEquals(h.nowS(), after.updatedAt());
    assertEquals(h.clockNs.get(), after.statusCodeUpdatedAt());

    Task t = h.task(job.id() + "-001");
    assertEquals(TaskType.RUNJOB, t.type());
    assertTrue(t.active());
    assertEquals(
        new JsonObject().put("user", "alice").put("project", "my-project").put("orgs", "org1,org2"),
        t.attributes());
    JsonObject d = t.definition();
    assertEquals(job.id(), d.getString("id"));
    assertEquals(job.id() + "-001", d.getString("task_id"));
    assertEquals("ghcr.io/opensafely-core/python:v2", d.getString("image"));
    assertTrue(d.containsKey("image_sha"));
    assertNull(d.getString("image_sha"), "no registry reachable: digest unknown");
    assertEquals(
        new JsonArray().add("analysis/a.py").add("--name").add("a b"), d.getJsonArray("args"));
    assertEquals(new JsonArray().add(gen.id()), d.getJsonArray("input_job_ids"));
    JsonObject env = d.getJsonObject("env");
    assertEquals("test", env.getString("OPENSAFELY_BACKEND"));
    assertEquals("[\"b\", \"a2\", \"event_level_data\"]", env.getString("EHRQL_PERMISSIONS"));
    assertEquals("7", env.getString("EHRQL_MAX_JOIN_COUNT"));
    assertFalse(env.containsKey("STATA_LICENSE"));
    assertEquals(
        "moderately_sensitive", d.getJsonObject("output_spec").getString("output/analyse.csv"));
    assertEquals(
        "highly_sensitive", d.getJsonObject("output_spec").getString("output/analyse.arrow"));
    assertTrue(d.getBoolean("allow_database_access"));
    assertEquals("default", d.getString("database_name"));
    assertEquals(
        "https://github.com/opensafely/test-repo",
        d.getJsonObject("study").getString("git_repo_url"));
    assertEquals("main", d.getJsonObject("study").getString("branch"));
    assertEquals(2.0, d.getDouble("cpu_count"));
    assertEquals("4G", d.getString("memory_limit"));
    assertEquals(16777216L, d.getLong("level4_max_filesize"));
    assertEquals(5000, d.getInteger("level4_max_csv_rows"));
    assertEquals(new JsonArray(), d.getJsonArray("inputs"));
    List<JsonObject> events =
        h.taskCreatedEvents.stream().filter(e -> e.getString("backend").equals("test")).toList();
    assertEquals(
        List.of(new JsonObject().put("backend", "test").put("task_id", job.id() + "-001")), events);

    // a second pass creates nothing more
    assertEquals(0, h.pass().tasksCreated());
    assertEquals(1, h.runJobTasks(job.id()).size());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void stataLicenseAndNonDbEnv(String dialect) throws Exception {
    harness(dialect, Map.of("STATA_LICENSE", "lic"));
    Job job = h.insert(TestJob.of("st").run("stata-mp:latest analysis/x.do"));
    h.pass();
    JsonObject env = h.task(job.id() + "-001").definition().getJsonObject("env");
    assertEquals("lic", env.getString("STATA_LICENSE"));
    assertFalse(env.containsKey("EHRQL_PERMISSIONS"));
    assertNull(h.task(job.id() + "-001").definition().getString("database_name"));
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void mirrorsAgentStagesWithAgentTimestampsThenSucceeds(String dialect) throws Exception {
    harness(dialect, Map.of());
    Job job = h.insert(TestJob.of("generate"));
    h.pass();
    String task = job.id() + "-001";
    long ts = (h.nowS() + 5) * 1_000_000_000L + 123;
    h.agent(task, "preparing", false, new JsonObject(), ts);
    h.advance(10);
    h.pass();
    Job j = h.job(job.id());
    assertEquals(StatusCode.PREPARING, j.statusCode());
    assertEquals("Job executing on the backend", j.statusMessage());
    assertEquals(ts, j.statusCodeUpdatedAt());
    assertEquals(ts / 1_000_000_000L, j.updatedAt());

    // non-status stages keep the current code
    h.agent(task, "unknown", false, new JsonObject(), null);
    h.pass();
    assertEquals(StatusCode.PREPARING, h.job(job.id()).statusCode());

    h.agent(task, "executing", false, new JsonObject(), ts + 1_000_000_000L);
    h.pass();
    assertEquals(StatusCode.EXECUTING, h.job(job.id()).statusCode());

    long done = ts + 3_000_000_000L;
    h.agent(task, "finalized", true, Harness.ok(0).put("has_level4_excluded_files", true), done);
    h.pass();
    j = h.job(job.id());
    assertEquals(State.SUCCEEDED, j.state());
    assertEquals(StatusCode.SUCCEEDED, j.statusCode());
    assertEquals(
        "Completed successfully, but some file(s) marked as moderately_sensitive were excluded. See job log for details.",
        j.statusMessage());
    assertEquals(done / 1_000_000_000L, j.completedAt());
    assertEquals(done, j.statusCodeUpdatedAt());
    assertEquals(
        h.nowS() - 10, j.startedAt(), "started_at from initiated, not changed by later stages");
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void resultsToFinalCodes(String dialect) throws Exception {
    harness(dialect, Map.of("TEST_MAX_WORKERS", "10", "TEST_MAX_DB_WORKERS", "10"));
    Job agentMsg = h.insert(TestJob.of("a1"));
    Job dbCode = h.insert(TestJob.of("a2").db());
    Job nonDbCode = h.insert(TestJob.of("a3"));
    Job unmatched = h.insert(TestJob.of("a4"));
    Job noExit = h.insert(TestJob.of("a5"));
    Job plain = h.insert(TestJob.of("a6"));
    h.pass();
    h.agent(
        agentMsg.id() + "-001",
        "finalized",
        true,
        Harness.ok(137).put("status_message", "Job killed by OpenSAFELY admin or memory limits"),
        null);
    h.agent(dbCode.id() + "-001", "finalized", true, Harness.ok(4), null);
    h.agent(nonDbCode.id() + "-001", "finalized", true, Harness.ok(4), null);
    h.agent(
        unmatched.id() + "-001",
        "finalized",
        true,
        Harness.ok(0).put("has_unmatched_patterns", true),
        null);
    h.agent(noExit.id() + "-001", "finalized", true, Harness.ok(0).put("exit_code", "None"), null);
    h.agent(plain.id() + "-001", "finalized", true, Harness.ok(0), null);
    h.pass();
    assertEquals(
        "Job exited with an error: Job killed by OpenSAFELY admin or memory limits",
        h.job(agentMsg.id()).statusMessage());
    assertEquals(StatusCode.NONZERO_EXIT, h.job(agentMsg.id()).statusCode());
    assertEquals(State.FAILED, h.job(agentMsg.id()).state());
    assertEquals(
        "Job exited with an error: New data is being imported into the database, please try again in a few hours",
        h.job(dbCode.id()).statusMessage());
    assertEquals("Job exited with an error", h.job(nonDbCode.id()).statusMessage());
    assertEquals(StatusCode.UNMATCHED_PATTERNS, h.job(unmatched.id()).statusCode());
    assertEquals(
        "Outputs matching expected patterns were not found. See job log for details.",
        h.job(unmatched.id()).statusMessage());
    assertEquals(StatusCode.NONZERO_EXIT, h.job(noExit.id()).statusCode());
    assertEquals("Completed successfully", h.job(plain.id()).statusMessage());
    assertEquals(h.nowS(), h.job(plain.id()).completedAt());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void cancellationOfRunningAndPendingJobs(String dialect) throws Exception {
    harness(dialect, Map.of("TEST_MAX_WORKERS", "1"));
    Job running = h.insert(TestJob.of("r").created(Harness.T0 - 300));
    Job pending = h.insert(TestJob.of("p").created(Harness.T0 - 200));
    h.pass();
    assertEquals(StatusCode.WAITING_ON_WORKERS, h.job(pending.id()).statusCode());
    String task = running.id() + "-001";
    h.agent(task, "executing", false, new JsonObject(), null);
    h.pass();
    h.ctx
        .jobs()
        .markCancelled(h.db.pool(), "rap0000000000001", List.of("r", "p"), h.nowS() - 1)
        .await();
    h.advance(2);
    h.taskCreatedEvents.clear();
    h.pass();

    Job r = h.job(running.id());
    assertEquals(StatusCode.CANCELLED_BY_USER, r.statusCode());
    assertEquals("Cancelled by user", r.statusMessage());
    assertEquals(State.FAILED, r.state());
    assertEquals(h.nowS() - 3, r.completedAt(), "completed_at is the cancel request's time");
    Task run = h.task(task);
    assertFalse(run.active());
    assertEquals(h.nowS(), run.finishedAt());
    Task cancel = h.task(task + "-cancel");
    assertEquals(TaskType.CANCELJOB, cancel.type());
    assertTrue(cancel.active());
    assertTrue(cancel.definition().containsKey("image_sha"));
    assertNull(cancel.definition().getString("image_sha"));
    assertEquals(run.definition().getString("task_id"), cancel.definition().getString("task_id"));
    assertEquals(run.attributes(), cancel.attributes());

    Job p = h.job(pending.id());
    assertEquals(StatusCode.CANCELLED_BY_USER, p.statusCode());
    assertEquals(State.FAILED, p.state());
    assertTrue(h.runJobTasks(pending.id()).isEmpty());
    assertEquals(List.of(task + "-cancel"), h.ids(h.active("test")));
    assertEquals(
        1, h.taskCreatedEvents.stream().filter(e -> e.getString("backend").equals("test")).count());

    // the CANCELJOB's completion does not change the job
    h.agent(task + "-cancel", "finalized", true, new JsonObject(), null);
    h.pass();
    assertEquals(StatusCode.CANCELLED_BY_USER, h.job(running.id()).statusCode());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void pauseStopsNewTasksButNotRunningJobsOrCancellation(String dialect) throws Exception {
    harness(dialect, Map.of());
    Job running = h.insert(TestJob.of("r"));
    h.pass();
    h.flag("test", "paused", "true");
    Job pending = h.insert(TestJob.of("p"));
    TestJob reboot =
        TestJob.of("rb")
            .status(State.PENDING, StatusCode.WAITING_ON_REBOOT, StatusMessages.WAITING_ON_REBOOT);
    Job rebooting = h.insert(reboot);
    h.agent(running.id() + "-001", "executing", false, new JsonObject(), null);
    h.pass();
    Job p = h.job(pending.id());
    assertEquals(StatusCode.WAITING_PAUSED, p.statusCode());
    assertEquals(
        "Backend is currently paused for maintenance, job will start once this is completed",
        p.statusMessage());
    assertEquals(StatusCode.WAITING_ON_REBOOT, h.job(rebooting.id()).statusCode());
    assertEquals(StatusCode.EXECUTING, h.job(running.id()).statusCode());
    assertTrue(h.runJobTasks(pending.id()).isEmpty());

    h.flag("test", "paused", "TRUE");
    h.ctx.jobs().markCancelled(h.db.pool(), "rap0000000000001", List.of("p"), h.nowS()).await();
    h.pass();
    assertEquals(StatusCode.CANCELLED_BY_USER, h.job(pending.id()).statusCode());

    h.flag("test", "paused", null);
    h.pass();
    assertEquals(StatusCode.INITIATED, h.job(rebooting.id()).statusCode());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void dbMaintenanceKillsAndRequeuesDbJobs(String dialect) throws Exception {
    harness(dialect, Map.of("TEST_MAX_WORKERS", "5"));
    Job dbJob = h.insert(TestJob.of("d").db());
    Job other = h.insert(TestJob.of("o"));
    h.pass();
    h.agent(dbJob.id() + "-001", "executing", false, new JsonObject(), null);
    h.pass();
    h.flag("test", "mode", "db-maintenance");
    Job waitingDb = h.insert(TestJob.of("w").db());
    h.pass();
    Job d = h.job(dbJob.id());
    assertEquals(StatusCode.WAITING_DB_MAINTENANCE, d.statusCode());
    assertEquals("Waiting for database to finish maintenance", d.statusMessage());
    assertEquals(State.PENDING, d.state());
    assertNull(d.startedAt());
    assertFalse(h.task(dbJob.id() + "-001").active());
    assertTrue(h.task(dbJob.id() + "-001-cancel").active());
    assertEquals(StatusCode.WAITING_DB_MAINTENANCE, h.job(waitingDb.id()).statusCode());
    assertEquals(State.RUNNING, h.job(other.id()).state());

    h.flag("test", "mode", "");
    h.advance(1);
    h.pass();
    assertEquals(StatusCode.INITIATED, h.job(dbJob.id()).statusCode());
    assertTrue(h.task(dbJob.id() + "-002").active(), "a new task with the next number");
    assertEquals(h.nowS(), h.job(dbJob.id()).startedAt());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void dependencies(String dialect) throws Exception {
    harness(dialect, Map.of("TEST_MAX_WORKERS", "10"));
    Job dep = h.insert(TestJob.of("dep").created(Harness.T0 - 500));
    Job failedDep =
        h.insert(
            TestJob.of("bad")
                .created(Harness.T0 - 500)
                .status(State.FAILED, StatusCode.NONZERO_EXIT, "Job exited with an error"));
    Job waits = h.insert(TestJob.of("waits").needs("dep", dep.id()));
    Job doomed = h.insert(TestJob.of("doomed").needs("dep", dep.id()).needs("bad", failedDep.id()));
    h.pass();
    assertEquals(StatusCode.WAITING_ON_DEPENDENCIES, h.job(waits.id()).statusCode());
    assertEquals("Waiting on dependencies", h.job(waits.id()).statusMessage());
    Job d = h.job(doomed.id());
    assertEquals(StatusCode.DEPENDENCY_FAILED, d.statusCode());
    assertEquals("Not starting as dependency failed", d.statusMessage());
    assertEquals(State.FAILED, d.state());
    assertEquals(h.nowS(), d.completedAt());

    h.agent(dep.id() + "-001", "finalized", true, Harness.ok(0), null);
    h.advance(1);
    h.pass();
    assertEquals(State.SUCCEEDED, h.job(dep.id()).state());
    assertEquals(
        StatusCode.INITIATED,
        h.job(waits.id()).statusCode(),
        "starts in the same pass its dependency finished");
    assertEquals(
        new JsonArray().add(dep.id()),
        h.task(waits.id() + "-001").definition().getJsonArray("input_job_ids"));
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void workerPoolsAndWeights(String dialect) throws Exception {
    ResourceWeights w = ResourceWeights.parse("[ws]\nbig = 2.5\n", "test.ini");
    h =
        new Harness(
            dialect,
            Map.of("TEST_MAX_WORKERS", "3", "TEST_MAX_DB_WORKERS", "1"),
            Map.of("test", w));
    Job a = h.insert(TestJob.of("a").created(Harness.T0 - 50));
    Job big = h.insert(TestJob.of("big").created(Harness.T0 - 40));
    Job b = h.insert(TestJob.of("b").created(Harness.T0 - 30));
    Job c = h.insert(TestJob.of("c").created(Harness.T0 - 20));
    Job d1 = h.insert(TestJob.of("d1").db().created(Harness.T0 - 10));
    Job d2 = h.insert(TestJob.of("d2").db().created(Harness.T0 - 5));
    h.pass();
    assertEquals(State.RUNNING, h.job(a.id()).state());
    Job bj = h.job(big.id());
    assertEquals(StatusCode.WAITING_ON_WORKERS, bj.statusCode());
    assertEquals("Waiting on available workers for resource intensive job", bj.statusMessage());
    assertEquals(State.RUNNING, h.job(b.id()).state());
    assertEquals(State.RUNNING, h.job(c.id()).state());
    assertEquals(State.RUNNING, h.job(d1.id()).state(), "DB jobs use their own pool");
    assertEquals(StatusCode.WAITING_ON_DB_WORKERS, h.job(d2.id()).statusCode());
    assertEquals("Waiting on available database workers", h.job(d2.id()).statusMessage());

    // two non-DB jobs finish: 1 used + 2.5 > 3, still waiting; all three finish: fits
    h.agent(a.id() + "-001", "finalized", true, Harness.ok(0), null);
    h.agent(b.id() + "-001", "finalized", true, Harness.ok(0), null);
    h.pass();
    assertEquals(StatusCode.WAITING_ON_WORKERS, h.job(big.id()).statusCode());
    h.agent(c.id() + "-001", "finalized", true, Harness.ok(0), null);
    h.pass();
    assertEquals(State.RUNNING, h.job(big.id()).state());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void fairShareBetweenWorkspacesAndDbFirst(String dialect) throws Exception {
    harness(dialect, Map.of("TEST_MAX_WORKERS", "2", "TEST_MAX_DB_WORKERS", "2"));
    Job a1 = h.insert(TestJob.of("a1").workspace("A").created(Harness.T0 - 100));
    Job a2 = h.insert(TestJob.of("a2").workspace("A").created(Harness.T0 - 90));
    Job b1 = h.insert(TestJob.of("b1").workspace("B").created(Harness.T0 - 10));
    h.pass();
    assertEquals(State.RUNNING, h.job(a1.id()).state());
    assertEquals(State.RUNNING, h.job(b1.id()).state(), "B gets a worker before A's second job");
    assertEquals(StatusCode.WAITING_ON_WORKERS, h.job(a2.id()).statusCode());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void dbJobsOrderedFirstWithinEqualShare(String dialect) throws Exception {
    harness(dialect, Map.of("TEST_MAX_WORKERS", "1", "TEST_MAX_DB_WORKERS", "1"));
    // the running job in workspace A counts against A
    Job runningA = h.insert(TestJob.of("ra").workspace("A").created(Harness.T0 - 500).db());
    h.pass();
    Job a = h.insert(TestJob.of("a").workspace("A").created(Harness.T0 - 100));
    Job b = h.insert(TestJob.of("b").workspace("B").created(Harness.T0 - 10));
    h.pass();
    assertEquals(State.RUNNING, h.job(runningA.id()).state());
    assertEquals(State.RUNNING, h.job(b.id()).state(), "workspace B has nothing running: first");
    assertEquals(StatusCode.WAITING_ON_WORKERS, h.job(a.id()).statusCode());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void updatedAtRefreshOnlyAfterSixtySeconds(String dialect) throws Exception {
    harness(dialect, Map.of("TEST_MAX_WORKERS", "0"));
    Job job = h.insert(TestJob.of("w"));
    h.pass();
    Job j = h.job(job.id());
    assertEquals(StatusCode.WAITING_ON_WORKERS, j.statusCode());
    long entered = j.statusCodeUpdatedAt();
    h.advance(59);
    Scheduler.PassStats s = h.pass();
    assertEquals(0, s.refreshed());
    assertEquals(Harness.T0, h.job(job.id()).updatedAt());
    h.advance(1);
    s = h.pass();
    assertEquals(1, s.refreshed());
    j = h.job(job.id());
    assertEquals(Harness.T0 + 60, j.updatedAt());
    assertEquals(
        entered, j.statusCodeUpdatedAt(), "a refresh does not move status_code_updated_at");
    assertEquals(0, h.pass().changed());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void manyStaleJobsAreRefreshedOldestFirstInBoundedBatches(String dialect) throws Exception {
    harness(dialect, Map.of("TEST_MAX_WORKERS", "0"));
    int n = EffectWriter.KEEP_ALIVE_BATCH + 20;
    List<Job> jobs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      jobs.add(TestJob.of("a" + i).build());
    }
    h.db.inTransaction(c -> h.ctx.jobs().insertAll(c, jobs)).await();
    h.pass(); // every job: waiting on workers, updated_at = T0
    h.advance(30);
    Job late = jobs.get(n - 1);
    // one job changed more recently than the others (by hand, as another pass would have)
    h.db
        .pool()
        .query(
            "UPDATE job SET updated_at = " + (Harness.T0 + 30) + " WHERE id = '" + late.id() + "'")
        .execute()
        .await();
    h.advance(31); // the others are 61 s old, the late one 31 s
    Scheduler.PassStats first = h.pass();
    assertEquals(
        EffectWriter.KEEP_ALIVE_BATCH, first.refreshed(), "one pass refreshes a bounded batch");
    Scheduler.PassStats second = h.pass();
    assertEquals(
        n - 1 - EffectWriter.KEEP_ALIVE_BATCH, second.refreshed(), "the rest on the next pass");
    for (Job j : jobs) {
      long expected = j.id().equals(late.id()) ? Harness.T0 + 30 : Harness.T0 + 61;
      assertEquals(expected, h.job(j.id()).updatedAt(), j.action());
    }
    assertEquals(0, h.pass().refreshed());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void unchangedJobsAreLoggedOnceInEveryTenthMinute(String dialect) throws Exception {
    harness(dialect, Map.of("TEST_MAX_WORKERS", "0"));
    Logger logger = Logger.getLogger(Scheduler.class.getName());
    List<String> lines = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            lines.add(r.getMessage());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    logger.addHandler(capture);
    try {
      Job job = h.insert(TestJob.of("w"));
      h.advance(60); // T0 + 1 minute: not a tenth minute
      h.pass(); // the change itself is logged by StatusBook, not here
      h.pass();
      assertTrue(lines.stream().noneMatch(l -> l.contains(job.id())), lines.toString());
      h.advance(9 * 60); // T0 + 10 minutes
      h.pass();
      h.pass();
      h.advance(30);
      h.pass();
      assertEquals(
          List.of(
              "Job " + job.id() + " (w): waiting_on_workers: " + StatusMessages.WAITING_ON_WORKERS),
          lines.stream().filter(l -> l.contains(job.id())).toList(),
          "once in the tenth minute, not on every pass of it");
      h.advance(10 * 60);
      h.pass();
      assertEquals(2, lines.stream().filter(l -> l.contains(job.id())).count());
    } finally {
      logger.removeHandler(capture);
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void agentErrorsRetryWithNewTasksThenJobError(String dialect) throws Exception {
    harness(dialect, Map.of("MAX_TASK_ATTEMPTS", "3"));
    Job job = h.insert(TestJob.of("flaky"));
    for (int attempt = 1; attempt <= 3; attempt++) {
      h.pass();
      String task = String.format("%s-%03d", job.id(), attempt);
      assertTrue(h.task(task).active(), task);
      h.agent(task, "error", true, new JsonObject().put("error", "docker went away"), null);
      h.pass();
      Job j = h.job(job.id());
      if (attempt < 3) {
        assertEquals(StatusCode.WAITING_ON_NEW_TASK, j.statusCode());
        assertEquals(
            "This job returned an error that could be retriedwith a new task.", j.statusMessage());
        assertEquals(State.PENDING, j.state());
        assertNull(j.startedAt());
      } else {
        assertEquals(StatusCode.JOB_ERROR, j.statusCode());
        assertEquals(JobRules.retriesExhausted(3), j.statusMessage());
        assertEquals(State.FAILED, j.state());
      }
    }
    assertEquals(3, h.runJobTasks(job.id()).size());

    Job fatal = h.insert(TestJob.of("fatal"));
    h.pass();
    h.agent(
        fatal.id() + "-001",
        "error",
        true,
        new JsonObject().put("error", new JsonObject().put("message", "test_job_failure")),
        null);
    h.pass();
    assertEquals(StatusCode.JOB_ERROR, h.job(fatal.id()).statusCode());
    assertEquals("This job returned a fatal error.", h.job(fatal.id()).statusMessage());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void tasksReplacedForMaintenanceAreNotCountedAsFailedAttempts(String dialect) throws Exception {
    harness(dialect, Map.of("MAX_TASK_ATTEMPTS", "2", "TEST_MAX_WORKERS", "5"));
    Job job = h.insert(TestJob.of("d").db());
    // attempt -001 is killed by database maintenance, -002 by a second maintenance window
    for (int i = 1; i <= 2; i++) {
      h.pass();
      h.agent(String.format("%s-%03d", job.id(), i), "executing", false, new JsonObject(), null);
      h.flag("test", "mode", "db-maintenance");
      h.pass();
      assertEquals(StatusCode.WAITING_DB_MAINTENANCE, h.job(job.id()).statusCode());
      h.flag("test", "mode", "");
      h.advance(1);
    }
    // -003 errors: the first failed attempt of 2, so a new task
    h.pass();
    h.agent(
        job.id() + "-003", "error", true, new JsonObject().put("error", "docker went away"), null);
    h.pass();
    assertEquals(StatusCode.WAITING_ON_NEW_TASK, h.job(job.id()).statusCode());
    // -004 errors: the second failed attempt: retries exhausted
    h.pass();
    h.agent(
        job.id() + "-004", "error", true, new JsonObject().put("error", "docker went away"), null);
    h.pass();
    assertEquals(StatusCode.JOB_ERROR, h.job(job.id()).statusCode());
    assertEquals(JobRules.retriesExhausted(2), h.job(job.id()).statusMessage());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void oneBrokenJobDoesNotStopTheOthersAndFailsAfterTheLimit(String dialect) throws Exception {
    harness(dialect, Map.of("MAX_LOOP_ERRORS_PER_JOB", "3", "TEST_MAX_WORKERS", "5"));
    Job broken =
        h.insert(TestJob.of("broken").run("python:v2 'unterminated").created(Harness.T0 - 500));
    Job fine = h.insert(TestJob.of("fine"));
    Scheduler.PassStats s = h.pass();
    assertEquals(1, s.errors());
    assertEquals(State.RUNNING, h.job(fine.id()).state(), "other jobs still progress");
    assertEquals(StatusCode.CREATED, h.job(broken.id()).statusCode());
    assertTrue(h.runJobTasks(broken.id()).isEmpty(), "the failed transaction inserted nothing");
    h.pass();
    assertEquals(StatusCode.CREATED, h.job(broken.id()).statusCode());
    h.pass();
    Job j = h.job(broken.id());
    assertEquals(StatusCode.INTERNAL_ERROR, j.statusCode());
    assertEquals(StatusMessages.INTERNAL_ERROR, j.statusMessage());
    assertEquals(State.FAILED, j.state());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void runningJobWithoutTaskFailsAsInternalErrorAfterRetries(String dialect) throws Exception {
    harness(dialect, Map.of("MAX_LOOP_ERRORS_PER_JOB", "2"));
    Job orphan =
        h.insert(
            TestJob.of("orphan")
                .status(State.RUNNING, StatusCode.EXECUTING, StatusMessages.INITIATED));
    h.pass();
    assertEquals(StatusCode.EXECUTING, h.job(orphan.id()).statusCode());
    h.pass();
    assertEquals(StatusCode.INTERNAL_ERROR, h.job(orphan.id()).statusCode());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void hardFailureTestHookFailsAtOnce(String dialect) throws Exception {
    harness(dialect, Map.of("MAX_LOOP_ERRORS_PER_JOB", "5"));
    Job hook =
        h.insert(
            TestJob.of("test_hard_failure")
                .status(State.RUNNING, StatusCode.EXECUTING, StatusMessages.INITIATED));
    h.pass();
    assertEquals(StatusCode.INTERNAL_ERROR, h.job(hook.id()).statusCode());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void scheduledDbTasks(String dialect) throws Exception {
    harness(
        dialect,
        Map.of(
            "MAINTENANCE_POLL_INTERVAL",
            "300",
            "DATA_CHECK_POLL_INTERVAL",
            "86400",
            "DATA_CHECK_HES_EXPECTED_ACTIVITY_MONTH",
            "202401"));
    h.pass();
    List<Task> tpp = h.active("tpp");
    assertEquals(2, tpp.size());
    assertEquals(TaskType.DBSTATUS, tpp.get(0).type(), "DBSTATUS first");
    Task status = tpp.get(0);
    Task check = tpp.get(1);
    assertTrue(status.id().matches("dbstatus-\\d{4}-\\d{2}-\\d{2}-[0-9a-f]{20}"), status.id());
    assertEquals(
        new JsonObject()
            .put("database_name", "default")
            .put("image", "ghcr.io/opensafely-core/tpp-database-utils:latest")
            .put("image_sha", null),
        status.definition());
    assertEquals("202401", check.definition().getString("hes_expected_activity_month"));
    assertTrue(h.active("test").isEmpty(), "backends not enabled get none");
    h.pass();
    assertEquals(2, h.active("tpp").size(), "not duplicated while active");

    h.agent(
        status.id(),
        "",
        true,
        new JsonObject().put("results", new JsonObject().put("status", "")).put("error", null),
        null);
    h.advance(299);
    h.pass();
    assertEquals(1, h.active("tpp").size(), "finished less than the interval ago");
    h.advance(2);
    h.pass();
    assertEquals(2, h.active("tpp").size());

    // db maintenance deactivates DBDATACHECK (without finished_at)
    h.flag("tpp", "mode", "db-maintenance");
    h.pass();
    List<Task> left = h.active("tpp");
    assertEquals(1, left.size());
    assertEquals(TaskType.DBSTATUS, left.get(0).type());
    assertNull(h.task(check.id()).finishedAt());

    // manual maintenance with checks disabled stops DBSTATUS
    h.flag("tpp", "manual-db-maintenance", "on");
    h.pass();
    assertEquals(1, h.active("tpp").size(), "manual alone keeps DBSTATUS");
    h.flag("tpp", "db-maintenance-checks-disabled", "true");
    h.pass();
    assertTrue(h.active("tpp").isEmpty());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void clampsTimestampsEarlierThanTheCurrentCode(String dialect) throws Exception {
    harness(dialect, Map.of());
    Job job = h.insert(TestJob.of("j"));
    h.pass();
    long initiated = h.job(job.id()).statusCodeUpdatedAt();
    h.agent(job.id() + "-001", "preparing", false, new JsonObject(), initiated - 5_000_000_000L);
    h.pass();
    assertEquals(initiated + 1_000_000L, h.job(job.id()).statusCodeUpdatedAt());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void jobRememberedAtInsertStartsAsIfReadBack(String dialect) throws Exception {
    // the same job in two databases: one pass reads it back, the other takes it from memory
    Map<String, Job> started = new HashMap<>();
    Map<String, JsonObject> definitions = new HashMap<>();
    for (boolean remember : List.of(false, true)) {
      try (Harness x =
          new Harness(dialect, Map.of("WORKSPACE_EHRQL_MAX_JOIN_COUNT", "{\"ws\": 7}"))) {
        Job gen =
            x.insert(
                TestJob.of("generate")
                    .created(Harness.T0 - 200)
                    .status(State.SUCCEEDED, StatusCode.SUCCEEDED, StatusMessages.SUCCEEDED));
        TestJob a =
            TestJob.of("analyse")
                .db()
                .run("python:v2 analysis/a.py --name 'a b'")
                .needs("generate", gen.id());
        a.analysisScope.put("dataset_permissions", List.of("b", "a2"));
        Job job = x.insert(a);
        if (remember) {
          x.ctx.newJobs().add(List.of(job));
        }
        assertEquals(1, x.pass().tasksCreated());
        assertNull(x.ctx.newJobs().take(job.id()), "the pass takes the handed-over job");
        started.put(String.valueOf(remember), x.job(job.id()));
        definitions.put(String.valueOf(remember), x.task(job.id() + "-001").definition());
      }
    }
    assertEquals(started.get("false"), started.get("true"));
    assertEquals(definitions.get("false"), definitions.get("true"));
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void rememberedJobTakesItsStatusFromTheDatabase(String dialect) throws Exception {
    harness(dialect, Map.of());
    Job job = h.insert(TestJob.of("p"));
    h.ctx.newJobs().add(List.of(job)); // as created, but cancelled before any pass
    h.ctx.jobs().markCancelled(h.db.pool(), job.rapId(), List.of("p"), h.nowS()).await();
    h.advance(1);
    assertEquals(0, h.pass().tasksCreated());
    assertEquals(StatusCode.CANCELLED_BY_USER, h.job(job.id()).statusCode());
    assertTrue(h.runJobTasks(job.id()).isEmpty());
  }
}

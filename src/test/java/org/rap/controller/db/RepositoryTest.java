package org.rap.controller.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rap.common.model.Flag;
import org.rap.common.model.Job;
import org.rap.common.model.JobSpec;
import org.rap.common.model.JobStatus;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;
import org.rap.common.tasks.AgentTask;
import org.rap.common.tasks.TaskList;
import org.rap.common.tasks.TaskUpdate;
import org.rap.testing.Jobs;
import org.rap.testing.TestDatabases;

/** The repositories on both real databases. */
class RepositoryTest {
  private final Vertx vertx = Vertx.vertx();
  private final JobRepository jobs = new JobRepository();
  private final TaskRepository tasks = new TaskRepository();
  private final FlagRepository flags = new FlagRepository();
  private Database db;

  static List<String> dialects() {
    return TestDatabases.dialects();
  }

  @AfterEach
  void close() {
    if (db != null) {
      db.closeAsync().await();
    }
    vertx.close().await();
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void jobsRoundTripAndWorkspaceState(String dialect) throws Exception {
    db = TestDatabases.open(vertx, dialect);
    Job a = Jobs.pending("rap0000000000001", "generate", "test", "ws", 100);
    Job b = Jobs.pending("rap0000000000001", "analyse", "test", "ws", 101);
    Job other = Jobs.pending("rap0000000000002", "generate", "tpp", "ws", 102);
    db.inTransaction(c -> jobs.insertAll(c, List.of(a, b, other))).await();

    Job read = jobs.findById(db.pool(), a.id()).await().orElseThrow();
    assertEquals(a, read);
    assertEquals(3, jobs.findActive(db.pool()).await().size());
    assertEquals(2, jobs.findByRapIds(db.pool(), List.of("rap0000000000001")).await().size());
    Map<String, Job> latest = jobs.latestPerAction(db.pool(), "test", "ws").await();
    assertEquals(List.of("generate", "analyse"), List.copyOf(latest.keySet()));
    assertEquals(
        Map.of(a.id(), State.PENDING), jobs.statesOf(db.pool(), List.of(a.id(), "nope")).await());
  }

  /** {@code j} with another id, creation time and cancel flag. */
  private static Job variant(Job j, String id, long createdAt, boolean cancelled) {
    return new Job(
        new JobSpec(
            id,
            j.rapId(),
            j.backend(),
            j.workspace(),
            j.action(),
            createdAt,
            new JobSpec.Source(
                j.repoUrl(), j.commit(), j.branch(), j.actionRepoUrl(), j.actionCommit()),
            new JobSpec.Run(
                j.runCommand(),
                j.outputSpec(),
                j.requiresDb(),
                j.databaseName(),
                j.analysisScope()),
            new JobSpec.Needs(j.requiresOutputsFrom(), j.waitForJobIds()),
            new JobSpec.Origin(j.user(), j.project(), j.orgs(), j.traceContext())),
        new JobStatus(
            j.state(),
            j.statusCode(),
            j.statusMessage(),
            cancelled,
            createdAt,
            j.startedAt(),
            j.completedAt(),
            createdAt * 1_000_000_000L));
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void workspaceStateIsTheLatestNonCancelledJobPerActionOfTheWholeHistory(String dialect)
      throws Exception {
    db = TestDatabases.open(vertx, dialect);
    Random random = new Random(7);
    List<Job> all = new ArrayList<>();
    String[] actions = {"generate", "analyse", "report", "__error__"};
    for (int i = 0; i < 120; i++) {
      String action = actions[random.nextInt(actions.length)];
      String workspace = random.nextInt(6) == 0 ? "other" : "ws";
      String backend = random.nextInt(8) == 0 ? "tpp" : "test";
      // few distinct times: many ties, broken by id
      long created = 100 + random.nextInt(12);
      String id = String.format("j%015d", random.nextInt(1_000_000_000));
      all.add(
          variant(
              Jobs.pending("rap000000000000" + (i % 10), action, backend, workspace, created),
              id,
              created,
              random.nextInt(4) == 0));
    }
    db.inTransaction(c -> jobs.insertAll(c, all)).await();

    // the definition: every job of the workspace in (created_at, id) order, the last one wins
    Map<String, Job> expected = new HashMap<>();
    all.stream()
        .filter(
            j ->
                j.backend().equals("test")
                    && j.workspace().equals("ws")
                    && !j.cancelled()
                    && !j.action().equals("__error__"))
        .sorted(Comparator.comparingLong(Job::createdAt).thenComparing(Job::id))
        .forEach(j -> expected.put(j.action(), j));
    assertEquals(3, expected.size());
    Map<String, Job> latest = jobs.latestPerAction(db.pool(), "test", "ws").await();
    assertEquals(expected, latest);
    Map<String, String> ids = new HashMap<>();
    expected.forEach((action, j) -> ids.put(action, j.id()));
    assertEquals(ids, jobs.latestIdPerAction(db.pool(), "test", "ws").await());
    assertTrue(jobs.latestPerAction(db.pool(), "test", "empty").await().isEmpty());
    assertTrue(jobs.latestIdPerAction(db.pool(), "test", "empty").await().isEmpty());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void transactionWithAFirstReadCommitsOrRollsBack(String dialect) throws Exception {
    db = TestDatabases.open(vertx, dialect);
    Job a = Jobs.pending("rap0000000000001", "generate", "test", "ws", 100);
    Job b = Jobs.pending("rap0000000000002", "generate", "test", "ws", 101);
    // the body gets the read's result and its writes are committed
    int seen =
        db.inTransaction(
                c -> jobs.findActive(c).map(List::size),
                (c, n) -> jobs.insertAll(c, List.of(a)).map(n))
            .await();
    assertEquals(0, seen);
    assertEquals(1, jobs.findActive(db.pool()).await().size());
    // a failing body rolls its writes back
    assertThrows(
        Exception.class,
        () ->
            db.inTransaction(
                    c -> jobs.findActive(c),
                    (c, found) ->
                        jobs.insertAll(c, List.of(b)).compose(v -> Future.failedFuture("no")))
                .await());
    // a failing read: the body never runs
    boolean[] ran = {false};
    assertThrows(
        Exception.class,
        () ->
            db.inTransaction(
                    c -> c.query("SELECT nope FROM no_such_table").execute(),
                    (c, rows) -> {
                      ran[0] = true;
                      return jobs.insertAll(c, List.of(b));
                    })
                .await());
    assertFalse(ran[0]);
    assertEquals(
        List.of(a.id()), jobs.findActive(db.pool()).await().stream().map(Job::id).toList());
    // no transaction left open on a pooled connection: writers still get the lock at once
    for (int i = 0; i < 8; i++) {
      db.inTransaction(c -> jobs.findActive(c), (c, found) -> Future.succeededFuture()).await();
    }
    db.inTransaction(c -> jobs.insertAll(c, List.of(b))).await();
    assertEquals(2, jobs.findActive(db.pool()).await().size());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void failedTransactionInsertsNothing(String dialect) throws Exception {
    db = TestDatabases.open(vertx, dialect);
    Job a = Jobs.pending("rap0000000000001", "generate", "test", "ws", 100);
    // the same id twice violates the primary key: the whole batch must roll back
    assertThrows(
        Exception.class,
        () ->
            db.inTransaction(
                    c -> jobs.insertAll(c, List.of(a)).compose(v -> jobs.insertAll(c, List.of(a))))
                .await());
    assertTrue(jobs.findActive(db.pool()).await().isEmpty());
    // the connection is usable for later transactions (no lingering write lock)
    db.inTransaction(c -> jobs.insertAll(c, List.of(a))).await();
    assertEquals(1, jobs.findActive(db.pool()).await().size());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void conditionalStatusUpdateAndCancel(String dialect) throws Exception {
    db = TestDatabases.open(vertx, dialect);
    Job a = Jobs.pending("rap0000000000001", "generate", "test", "ws", 100);
    db.inTransaction(c -> jobs.insertAll(c, List.of(a))).await();

    Job running =
        a.withStatus(
            State.RUNNING,
            StatusCode.INITIATED,
            "Job executing on the backend",
            200L,
            200L,
            null,
            200_000_000_000L);
    assertTrue(jobs.updateStatus(db.pool(), running, StatusCode.CREATED).await());
    // stale expectation: no write
    assertFalse(jobs.updateStatus(db.pool(), running, StatusCode.CREATED).await());

    assertEquals(
        List.of(a.id()),
        jobs.markCancelled(db.pool(), a.rapId(), List.of("generate"), 300).await());
    Job cancelled = jobs.findById(db.pool(), a.id()).await().orElseThrow();
    assertTrue(cancelled.cancelled());
    assertEquals(300L, cancelled.completedAt());
    // a scheduler write without completed_at keeps the cancel time and the cancel flag
    Job later =
        cancelled.withStatus(
            State.FAILED,
            StatusCode.CANCELLED_BY_USER,
            "Cancelled by user",
            301L,
            200L,
            null,
            301_000_000_000L);
    assertTrue(jobs.updateStatus(db.pool(), later, StatusCode.INITIATED).await());
    Job after = jobs.findById(db.pool(), a.id()).await().orElseThrow();
    assertTrue(after.cancelled());
    assertEquals(300L, after.completedAt());
    assertEquals(State.FAILED, after.state());
    assertTrue(jobs.findActive(db.pool()).await().isEmpty());

    assertEquals(1, jobs.recordLoopError(db.pool(), a.id(), "boom").await());
    assertEquals(2, jobs.recordLoopError(db.pool(), a.id(), "boom").await());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void tasksActiveListAndAgentUpdates(String dialect) throws Exception {
    db = TestDatabases.open(vertx, dialect);
    Task run =
        new Task(
            "job1-001",
            "test",
            TaskType.RUNJOB,
            new JsonObject().put("id", "job1"),
            new JsonObject().put("user", "u"),
            10,
            true,
            null,
            null);
    Task status =
        new Task(
            "dbstatus-1",
            "test",
            TaskType.DBSTATUS,
            new JsonObject(),
            new JsonObject(),
            20,
            true,
            null,
            null);
    Task elsewhere =
        new Task(
            "job2-001",
            "tpp",
            TaskType.RUNJOB,
            new JsonObject(),
            new JsonObject(),
            5,
            true,
            null,
            null);
    Future.all(
            tasks.insert(db.pool(), run, "job1"),
            tasks.insert(db.pool(), status, null),
            tasks.insert(db.pool(), elsewhere, "job2"))
        .await();

    List<Task> active = tasks.findActive(db.pool(), "test").await();
    assertEquals(List.of("dbstatus-1", "job1-001"), active.stream().map(Task::id).toList());
    assertNull(active.get(1).agentStage());

    // another backend cannot update this task
    var wrong = new TaskUpdate("job1-001", "executing", new JsonObject(), false, 5L);
    assertFalse(tasks.storeReport(db.pool(), "tpp", wrong, 50).await());

    var exec = new TaskUpdate("job1-001", "executing", new JsonObject(), false, 1234L);
    assertTrue(tasks.storeReport(db.pool(), "test", exec, 50).await());
    Task t = tasks.findById(db.pool(), "job1-001").await().orElseThrow();
    assertEquals("executing", t.agentStage());
    assertEquals(1234L, t.agentTimestampNs());
    assertTrue(t.active());

    var done =
        new TaskUpdate("job1-001", "finalized", new JsonObject().put("exit_code", 0), true, null);
    assertTrue(tasks.storeReport(db.pool(), "test", done, 60).await());
    t = tasks.findById(db.pool(), "job1-001").await().orElseThrow();
    assertFalse(t.active());
    assertTrue(t.isAgentComplete());
    assertEquals(1234L, t.agentTimestampNs(), "a null timestamp keeps the stored one");
    assertEquals(60L, t.finishedAt());
    assertEquals(
        Map.of("job1", "job1-001"),
        Map.of(
            "job1", tasks.latestRunJobTasks(db.pool(), List.of("job1")).await().get("job1").id()));
    assertEquals(
        60L, tasks.lastFinishedAt(db.pool(), "test", TaskType.RUNJOB).await().orElseThrow());
    assertTrue(tasks.deactivate(db.pool(), "dbstatus-1", null).await());
    assertFalse(tasks.deactivate(db.pool(), "dbstatus-1", null).await());
    assertTrue(tasks.findActive(db.pool(), "test").await().isEmpty());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void agentListIsTheActiveTasksAsTheirAgentJson(String dialect) throws Exception {
    db = TestDatabases.open(vertx, dialect);
    JsonObject definition =
        new JsonObject()
            .put("id", "job1")
            .put("cpu_count", 2.0)
            .put("image_sha", (String) null)
            .put("args", new JsonArray().add("sh").add("-c").add("echo \"a\\b\" \u00e9"))
            .put("env", new JsonObject().put("K", "v"));
    Task run =
        new Task(
            "job1-001",
            "test",
            TaskType.RUNJOB,
            definition,
            new JsonObject().put("user", "u").put("orgs", "a,b"),
            10,
            true,
            null,
            null);
    Task status =
        new Task(
            "dbstatus-1", "test", TaskType.DBSTATUS, new JsonObject(), null, 20, true, null, null);
    Task done =
        new Task(
            "job0-001",
            "test",
            TaskType.RUNJOB,
            new JsonObject(),
            new JsonObject(),
            1,
            false,
            2L,
            null);
    Task elsewhere =
        new Task(
            "job2-001",
            "tpp",
            TaskType.RUNJOB,
            new JsonObject(),
            new JsonObject(),
            5,
            true,
            null,
            null);
    Future.all(
            tasks.insert(db.pool(), run, "job1"),
            tasks.insert(db.pool(), status, null),
            tasks.insert(db.pool(), done, "job0"),
            tasks.insert(db.pool(), elsewhere, "job2"))
        .await();
    var updated =
        new TaskUpdate(
            "job1-001", "executing", new JsonObject().put("big", "x".repeat(1000)), false, 7L);
    tasks.storeReport(db.pool(), "test", updated, 30).await();

    List<Task> active = tasks.findActive(db.pool(), "test").await();
    List<TaskList.Entry> listed = tasks.findActiveForAgent(db.pool(), "test").await();
    assertEquals(
        active.stream().map(Task::id).toList(), listed.stream().map(TaskList.Entry::id).toList());
    assertEquals(
        List.of("dbstatus-1", "job1-001"), listed.stream().map(TaskList.Entry::id).toList());
    for (int i = 0; i < active.size(); i++) {
      Task a = active.get(i);
      JsonObject expected =
          new JsonObject()
              .put("id", a.id())
              .put("backend", a.backend())
              .put("type", a.type().value())
              .put("definition", a.definition())
              .put("attributes", a.attributes() == null ? new JsonObject() : a.attributes())
              .put("created_at", a.createdAt());
      assertEquals(expected, new JsonObject(listed.get(i).json()), listed.get(i).json());
      assertEquals(a.id(), AgentTask.fromJson(new JsonObject(listed.get(i).json())).id());
    }
    assertEquals(
        new JsonObject(), new JsonObject(listed.get(0).json()).getJsonObject("attributes"));
    assertTrue(tasks.findActiveForAgent(db.pool(), "nope").await().isEmpty());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void flagsUpsertAndNoOp(String dialect) throws Exception {
    db = TestDatabases.open(vertx, dialect);
    assertEquals(
        "[tpp] paused=None (never set)",
        flags.getOrUnset(db.pool(), "tpp", "paused").await().printable());
    Flag set = flags.set(db.pool(), "tpp", "paused", "true", 1_769_850_000_123_456L).await();
    assertEquals("[tpp] paused=true (2026-01-31T09:00:00.123456Z)", set.printable());
    Flag again = flags.set(db.pool(), "tpp", "paused", "true", 1_769_850_999_000_000L).await();
    assertEquals(set, again, "setting the current value is a no-op");
    Flag cleared = flags.set(db.pool(), "tpp", "paused", null, 1_769_851_000_000_000L).await();
    assertEquals("[tpp] paused=None (2026-01-31T09:16:40Z)", cleared.printable());
    assertEquals(1, flags.all(db.pool(), "tpp").await().size());
    assertTrue(flags.all(db.pool(), "test").await().isEmpty());
  }
}

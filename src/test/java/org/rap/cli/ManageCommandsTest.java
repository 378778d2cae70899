package org.rap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rap.Main;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.StatusMessages;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;
import org.rap.controller.db.Database;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.db.JobRepository;
import org.rap.controller.db.TaskRepository;
import org.rap.controller.fleet.TaskLeases;
import org.rap.controller.planning.CreateOutcome;
import org.rap.controller.planning.CreateRequest;
import org.rap.controller.planning.JobCreationException;
import org.rap.testing.Jobs;
import org.rap.testing.TestDatabases;
import picocli.CommandLine;

/**
 * Operator commands end to end through picocli, against a database another process could be using.
 */
class ManageCommandsTest {
  private static final String TS = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{6})?Z";
  private final Vertx vertx = Vertx.vertx();
  private Database db;
  @TempDir Path dir;
  private Path configFile;

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

  private void setUp(String dialect, String... extra) throws Exception {
    DatabaseTarget t = TestDatabases.fresh(dialect);
    db = Database.open(vertx, t);
    String url =
        t.dialect() == DatabaseTarget.Dialect.SQLITE
            ? "sqlite:" + t.sqliteFile()
            : "postgresql://"
                + t.user()
                + ":"
                + t.password()
                + "@"
                + t.host()
                + ":"
                + t.port()
                + "/"
                + t.database();
    StringBuilder yaml = new StringBuilder();
    yaml.append("DATABASE_URL: \"").append(url).append("\"\n");
    yaml.append("BACKENDS: \"test,tpp\"\n");
    yaml.append("WORKDIR: \"").append(dir.resolve("workdir")).append("\"\n");
    for (String e : extra) {
      yaml.append(e).append("\n");
    }
    configFile = dir.resolve("config.yaml");
    Files.writeString(configFile, yaml.toString());
  }

  /** Runs a command; returns exit code, stdout and stderr. */
  private record Run(int code, String out, String err) {}

  private Run run(CommandLine cl, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--config");
    all.add(configFile.toString());
    int code = cl.execute(all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  private Run run(String... args) {
    return run(Main.commandLine(), args);
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void agentsListsTheFleetAndReleaseAgentHandsItsJobsOn(String dialect) throws Exception {
    setUp(dialect);
    assertTrue(run("agents").out().contains("No agents with an id have polled yet."));
    TaskRepository tasks = new TaskRepository();
    tasks
        .insert(
            db.pool(),
            Task.created(
                "job1-001",
                "test",
                TaskType.RUNJOB,
                new JsonObject().put("id", "job1"),
                new JsonObject(),
                1),
            "job1")
        .await();
    new TaskLeases(db, tasks, Duration.ofMinutes(5))
        .poll("test", new TaskLeases.Agent("host-a-3001", 4))
        .await();
    Run agents = run("agents", "--backend", "test");
    assertEquals(0, agents.code(), agents.err());
    assertTrue(agents.out().matches("(?s).*test +host-a-3001 +4 +1 +1 .* live\\R.*"), agents.out());
    Run released = run("release-agent", "host-a-3001");
    assertEquals(0, released.code(), released.err());
    assertTrue(
        released
            .out()
            .startsWith(
                "Released 1 lease(s) of agent host-a-3001 of backend test: 1 job(s) get a new"
                    + " attempt, 0 other task(s) go to the other agents."),
        released.out());
    assertTrue(tasks.findById(db.pool(), "job1-001").await().orElseThrow().isAgentComplete());
    assertEquals(1, run("release-agent", "nobody").code());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void pauseOnOffPrintsFlagLinesAndIsIdempotent(String dialect) throws Exception {
    setUp(dialect);
    Run on = run("pause", "on", "TEST");
    assertEquals(0, on.code(), on.err());
    assertTrue(on.out().strip().matches("\\[test\\] paused=true \\(" + TS + "\\)"), on.out());
    Run again = run("pause", "on", "test");
    assertEquals(on.out(), again.out(), "setting the current value changes nothing");
    Run off = run("pause", "off", "test");
    assertTrue(off.out().strip().matches("\\[test\\] paused=None \\(" + TS + "\\)"), off.out());
    Run bad = run("pause", "on", "nope");
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("Unknown backend 'nope'"), bad.err());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void dbMaintenanceSetsThreeFlagsInOrder(String dialect) throws Exception {
    setUp(dialect);
    Run on = run("db-maintenance", "on", "tpp", "--disable-checks");
    assertEquals(0, on.code(), on.err());
    String[] lines = on.out().strip().split("\n");
    assertEquals(3, lines.length);
    assertTrue(lines[0].matches("\\[tpp\\] mode=db-maintenance \\(" + TS + "\\)"), lines[0]);
    assertTrue(lines[1].matches("\\[tpp\\] manual-db-maintenance=on \\(" + TS + "\\)"), lines[1]);
    assertTrue(
        lines[2].matches("\\[tpp\\] db-maintenance-checks-disabled=true \\(" + TS + "\\)"),
        lines[2]);
    Run noChecks = run("db_maintenance", "on", "tpp");
    assertTrue(
        noChecks
            .out()
            .strip()
            .split("\n")[2]
            .startsWith("[tpp] db-maintenance-checks-disabled=None ("),
        noChecks.out());
    Run off = run("db-maintenance", "off", "tpp");
    for (String l : off.out().strip().split("\n")) {
      assertTrue(l.contains("=None ("), l);
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void flagsGetAndSet(String dialect) throws Exception {
    setUp(dialect);
    Run set = run("flags", "set", "paused=true", "mode=", "--backend", "test");
    assertEquals(0, set.code(), set.err());
    String[] lines = set.out().strip().split("\n");
    assertTrue(lines[0].matches("\\[test\\] paused=true \\(" + TS + "\\)"), lines[0]);
    assertTrue(lines[1].matches("\\[test\\] mode=None \\(" + TS + "\\)"), lines[1]);
    Run get = run("flags", "get", "paused", "unknown-flag", "--backend", "test");
    lines = get.out().strip().split("\n");
    assertTrue(lines[0].startsWith("[test] paused=true ("));
    assertEquals("[test] unknown-flag=None (never set)", lines[1]);
    assertEquals(2, run("flags", "get", "--backend", "test").out().strip().split("\n").length);
    Run bad = run("flags", "set", "paused", "--backend", "test");
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("set must have for paused=value, not just paused"), bad.err());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void prepareForRebootResetsRunningJobsAndReportsStatus(String dialect) throws Exception {
    setUp(dialect);
    JobRepository jobs = new JobRepository();
    TaskRepository tasks = new TaskRepository();
    Job pending = Jobs.pending("rap0000000000001", "generate", "test", "ws", 100);
    Job running =
        pending.withStatus(
            State.RUNNING,
            StatusCode.EXECUTING,
            StatusMessages.INITIATED,
            200L,
            150L,
            null,
            200_000_000_000L);
    db.inTransaction(c -> jobs.insertAll(c, List.of(running))).await();
    JsonObject def = new JsonObject().put("id", running.id()).put("image_sha", "sha256:abc");
    tasks
        .insert(
            db.pool(),
            new Task(
                running.id() + "-001",
                "test",
                TaskType.RUNJOB,
                def,
                new JsonObject(),
                150,
                true,
                null,
                new Task.AgentReport("executing", false, null, null)),
            running.id())
        .await();

    Run status = run("prepare-for-reboot", "--backend", "test", "--status");
    assertEquals(
        "\n== PREPARING FOR REBOOT ==\n1) backend 'test' is not paused\n2) 1 job(s) are running\n"
            + "Backend 'test' is not paused. Run prepare_for_reboot, then check the status again\n",
        status.out());

    Run prep = run("prepare-for-reboot", "--backend", "test", "-y");
    assertEquals(0, prep.code(), prep.err());
    String[] lines = prep.out().split("\n");
    assertEquals("pausing backend test...", lines[0]);
    assertTrue(lines[1].startsWith("[test] paused=true ("), lines[1]);
    assertEquals("resetting job " + running.slug() + " to PENDING", lines[2]);
    assertEquals("Killing job " + running.slug(), lines[3]);
    Job after = jobs.findById(db.pool(), running.id()).await().orElseThrow();
    assertEquals(StatusCode.WAITING_ON_REBOOT, after.statusCode());
    assertEquals("Job restarted - waiting for server to reboot", after.statusMessage());
    assertEquals(State.PENDING, after.state());
    assertFalse(tasks.findById(db.pool(), running.id() + "-001").await().orElseThrow().active());
    Task cancel = tasks.findById(db.pool(), running.id() + "-001-cancel").await().orElseThrow();
    assertTrue(cancel.active());
    assertTrue(cancel.definition().getValue("image_sha") == null);

    status = run("prepare-for-reboot", "--backend", "test", "--status");
    assertEquals(
        "\n== PREPARING FOR REBOOT ==\n1) backend 'test' is paused\n2) 0 job(s) are running\n"
            + "3) 1 job(s) are being cancelled\n",
        status.out());
    tasks.deactivate(db.pool(), cancel.id(), 300L).await();
    status = run("prepare-for-reboot", "--backend", "test", "--status");
    assertEquals(
        "\n== PREPARING FOR REBOOT ==\n1) backend 'test' is paused\n2) 0 job(s) are running\n"
            + "\n== READY TO REBOOT ==\nSafe to reboot now\n",
        status.out());
  }

  @Test
  void backupSnapshotsSqliteKeepingOnlyTheNewest() throws Exception {
    Path backups = dir.resolve("backups");
    setUp("sqlite", "BACKUPS_PATH: \"" + backups + "\"");
    Run refused = run("backup");
    assertEquals(1, refused.code());
    assertEquals(
        "BACKUPS_PATH does not exist: "
            + backups
            + "\nRefusing to run on the assumption that backups are misconfigured.\n",
        refused.err());
    Files.createDirectories(backups);
    Files.writeString(backups.resolve("db.snapshot_2020-01-01_000000Z.sqlite"), "old");
    Files.writeString(backups.resolve("unrelated.txt"), "keep");
    new JobRepository()
        .insertAll(
            db.pool(), List.of(Jobs.pending("rap0000000000001", "generate", "test", "ws", 100)))
        .await();
    Run ok = run("backup");
    assertEquals(0, ok.code(), ok.err());
    List<String> names;
    try (Stream<Path> s = Files.list(backups)) {
      names = s.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertEquals(2, names.size(), names.toString());
    assertTrue(
        names.get(0).matches("db\\.snapshot_\\d{4}-\\d{2}-\\d{2}_\\d{6}Z\\.sqlite"), names.get(0));
    assertEquals("unrelated.txt", names.get(1));
    // the snapshot is a usable database with the job in it
    Database snap = Database.open(vertx, DatabaseTarget.sqlite(backups.resolve(names.get(0))));
    try {
      assertEquals(1, new JobRepository().findActive(snap.pool()).await().size());
    } finally {
      snap.closeAsync().await();
    }
  }

  @Tag("postgres")
  @Test
  void backupOnPostgresWritesAPgDump() throws Exception {
    Path backups = Files.createDirectories(dir.resolve("backups"));
    setUp("postgresql", "BACKUPS_PATH: \"" + backups + "\"");
    Run r = run("backup");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().matches("(?s)Snapshot written to .*db\\.snapshot_.*Z\\.pgdump\n"), r.out());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void addJobSubmitsARequestAndListsCreatedJobs(String dialect) throws Exception {
    setUp(dialect);
    Path repo = dir.resolve("study");
    String head;
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("project.yaml"), "version: '3.0'\n");
      git.add().addFilepattern("project.yaml").call();
      head =
          git.commit()
              .setMessage("init")
              .setSign(false)
              .setAuthor("t", "t@example.com")
              .setCommitter("t", "t@example.com")
              .call()
              .name();
    }
    List<CreateRequest> seen = new ArrayList<>();
    AddJobCommand cmd =
        new AddJobCommand(
            (v, ctx) ->
                request -> {
                  seen.add(request);
                  Job j =
                      Jobs.pending(
                          request.rapId(),
                          request.requestedActions().get(0),
                          request.backend(),
                          request.workspace(),
                          100);
                  return ctx.db()
                      .inTransaction(c -> ctx.jobs().insertAll(c, List.of(j)))
                      .map(x -> new CreateOutcome.Created(List.of(j)));
                });
    Run r =
        run(
            new CommandLine(cmd),
            repo.toString(),
            "generate_dataset",
            "--backend",
            "test",
            "--workspace",
            "w1");
    assertEquals(0, r.code(), r.err());
    assertEquals(1, seen.size());
    CreateRequest req = seen.get(0);
    assertEquals(head, req.commit(), "a local checkout's current commit by default");
    assertTrue(req.rapId().matches("[a-z2-7]{16}"));
    assertEquals("w1", req.workspace());
    assertEquals("main", req.branch());
    assertEquals("default", req.databaseName());
    assertEquals(List.of("generate_dataset"), req.requestedActions());
    assertTrue(r.out().startsWith("Submitting RAP:\n{"), r.out());
    assertTrue(r.out().contains("\"rap_id\" : \"" + req.rapId() + "\""), r.out());
    assertTrue(r.out().contains("Created 1 new jobs:\n  w1-generate_dataset-"), r.out());
    assertEquals(1, new JobRepository().findActive(db.pool()).await().size());

    AddJobCommand failing =
        new AddJobCommand(
            (v, ctx) ->
                request ->
                    Future.failedFuture(
                        new JobCreationException("Action 'nope' not found in project.yaml")));
    Run bad =
        run(
            new CommandLine(failing),
            repo.toString(),
            "nope",
            "--backend",
            "test",
            "--commit",
            "b".repeat(40));
    assertEquals(1, bad.code());
    assertEquals("Action 'nope' not found in project.yaml\n", bad.err());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void addJobWithTheControllersJobCreatorOnALocalCheckout(String dialect) throws Exception {
    setUp(dialect, "ALLOW_LOCAL_GIT_REPOS: \"true\"");
    Path repo = dir.resolve("study");
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(
          repo.resolve("project.yaml"),
          "version: '4.0'\n"
              + "actions:\n"
              + "  generate_dataset:\n"
              + "    run: ehrql:v1 generate-dataset analysis/dataset_definition.py --output output/dataset.csv.gz\n"
              + "    outputs:\n"
              + "      highly_sensitive:\n"
              + "        dataset: output/dataset.csv.gz\n"
              + "  summarise:\n"
              + "    run: python:v2 analysis/summarise.py\n"
              + "    needs: [generate_dataset]\n"
              + "    outputs:\n"
              + "      moderately_sensitive:\n"
              + "        table: output/summary.csv\n");
      git.add().addFilepattern("project.yaml").call();
      git.commit()
          .setMessage("init")
          .setSign(false)
          .setAuthor("t", "t@example.com")
          .setCommitter("t", "t@example.com")
          .call();
    }
    Run r =
        run("add-job", repo.toString(), "summarise", "--backend", "test", "--workspace", "demo");
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("Created 2 new jobs:"), r.out());
    List<Job> created = new JobRepository().findActive(db.pool()).await();
    assertEquals(2, created.size());
    Run unknown = run("add-job", repo.toString(), "nope", "--backend", "test");
    assertEquals(1, unknown.code());
    assertEquals("Action 'nope' not found in project.yaml\n", unknown.err());
  }
}

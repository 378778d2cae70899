package org.rap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
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
import org.rap.common.tasks.TaskUpdate;
import org.rap.controller.db.Database;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.db.FlagRepository;
import org.rap.controller.db.JobRepository;
import org.rap.controller.db.Migrations;
import org.rap.controller.db.TaskRepository;
import org.rap.controller.manage.PgToolsAccess;
import org.rap.controller.manage.Snapshots;
import org.rap.controller.scheduler.SchedulerLock;
import org.rap.testing.FileLockHolder;
import org.rap.testing.Jobs;
import org.rap.testing.TestDatabases;

/**
 * {@code rap backup} / {@code rap restore} through picocli on both databases: backup, wipe,
 * restore, and every row of job, flags and tasks comes back; online backups while writing; and
 * every refusal.
 */
class BackupRestoreTest {
  private final Vertx vertx = Vertx.vertx();
  private final JobRepository jobs = new JobRepository();
  private final TaskRepository tasks = new TaskRepository();
  private final FlagRepository flags = new FlagRepository();
  private final List<Database> open = new ArrayList<>();
  @TempDir Path dir;
  private Path backups;

  static List<String> dialects() {
    return TestDatabases.dialects();
  }

  @AfterEach
  void close() {
    for (Database d : open) {
      d.closeAsync().await();
    }
    vertx.close().await();
  }

  private record Run(int code, String out, String err) {}

  private Run run(DatabaseTarget t, String... args) throws Exception {
    Path config = dir.resolve("config-" + UUID.randomUUID() + ".yaml");
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
    Files.writeString(
        config,
        "DATABASE_URL: \""
            + url
            + "\"\nBACKENDS: \"test,tpp\"\n"
            + "WORKDIR: \""
            + dir.resolve("workdir")
            + "\"\nBACKUPS_PATH: \""
            + backups
            + "\"\n");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--config");
    all.add(config.toString());
    int code = cl.execute(all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  private Database open(DatabaseTarget t) {
    Database d = Database.open(vertx, t);
    open.add(d);
    return d;
  }

  private void closeDb(Database d) {
    d.closeAsync().await();
    open.remove(d);
  }

  /**
   * Jobs in several states (with awkward text), tasks with agent results, flags set and cleared.
   */
  private void populate(Database db, DatabaseTarget t) throws Exception {
    Job pending = Jobs.pending("rap0000000000001", "generate", "test", "ws", 100);
    Job running =
        Jobs.pending("rap0000000000001", "analyse", "test", "ws", 101)
            .withStatus(
                State.RUNNING,
                StatusCode.EXECUTING,
                StatusMessages.INITIATED,
                200L,
                150L,
                null,
                200_000_000_000L);
    Job failed =
        Jobs.pending("rap0000000000002", "report", "tpp", "other", 102)
            .withStatus(
                State.FAILED,
                StatusCode.NONZERO_EXIT,
                "Job exited with an error: 'quote' \"double\" <tag> ünïcødé\nline 2",
                300L,
                160L,
                300L,
                300_000_000_000L);
    db.inTransaction(c -> jobs.insertAll(c, List.of(pending, running, failed))).await();
    JsonObject def = new JsonObject().put("id", running.id()).put("image_sha", "sha256:abc");
    tasks
        .insert(
            db.pool(),
            new Task(
                running.id() + "-001",
                "test",
                TaskType.RUNJOB,
                def,
                new JsonObject().put("k", "v"),
                150,
                true,
                null,
                null),
            running.id())
        .await();
    tasks
        .insert(
            db.pool(),
            new Task(
                failed.id() + "-001",
                "tpp",
                TaskType.RUNJOB,
                def,
                new JsonObject(),
                160,
                true,
                null,
                null),
            failed.id())
        .await();
    tasks
        .storeReport(
            db.pool(),
            "tpp",
            new TaskUpdate(
                failed.id() + "-001",
                "finalized",
                new JsonObject().put("exit_code", 1).put("message", "boom"),
                true,
                123_456_789L),
            300)
        .await();
    tasks
        .insert(
            db.pool(),
            new Task(
                "dbstatus-1",
                "tpp",
                TaskType.DBSTATUS,
                new JsonObject(),
                new JsonObject(),
                170,
                false,
                171L,
                null),
            null)
        .await();
    Run pause = run(t, "pause", "on", "test");
    assertEquals(0, pause.code(), pause.err());
    Run maint = run(t, "db-maintenance", "on", "tpp", "--disable-checks");
    assertEquals(0, maint.code(), maint.err());
    flags.set(db.pool(), "tpp", "manual-db-maintenance", null).await();
    flags
        .stamp(
            db.pool(),
            "test",
            "last-seen-at",
            "2026-01-31T09:00:00.123456+00:00",
            1_769_850_000_123_456L)
        .await();
  }

  /** Every row of the three tables, ordered by key, as JSON. */
  private Map<String, List<JsonObject>> everyRow(Database db) {
    Map<String, List<JsonObject>> out = new LinkedHashMap<>();
    for (String[] q : new String[][] {{"job", "id"}, {"tasks", "id"}, {"flags", "backend, id"}}) {
      List<JsonObject> rows = new ArrayList<>();
      for (Row r :
          db.pool().query("SELECT * FROM " + q[0] + " ORDER BY " + q[1]).execute().await()) {
        rows.add(r.toJson());
      }
      out.put(q[0], rows);
    }
    return out;
  }

  private Path onlyBackup(String glob) throws Exception {
    try (Stream<Path> s = Files.list(backups)) {
      List<Path> found = s.filter(p -> p.getFileName().toString().matches(glob)).toList();
      assertEquals(1, found.size(), found.toString());
      return found.get(0);
    }
  }

  private static String backupPattern(String dialect) {
    return dialect.equals("sqlite")
        ? "db\\.snapshot_\\d{4}-\\d{2}-\\d{2}_\\d{6}Z\\.sqlite"
        : "db\\.snapshot_\\d{4}-\\d{2}-\\d{2}_\\d{6}Z\\.pgdump";
  }

  /** An empty, unmigrated database of the dialect (a fresh SQLite path, or CREATE DATABASE). */
  private DatabaseTarget emptyTarget(String dialect) throws Exception {
    if (dialect.equals("sqlite")) {
      return DatabaseTarget.sqlite(Files.createTempDirectory(dir, "fresh").resolve("db.sqlite"));
    }
    DatabaseTarget admin = DatabaseTarget.postgres(TestDatabases.PG_URL);
    String name =
        "rap_r_"
            + UUID.randomUUID()
                .toString()
                .replace("-", "")
                .substring(0, 16)
                .toLowerCase(Locale.ROOT);
    Pool pool =
        PgBuilder.pool()
            .connectingTo(
                new PgConnectOptions()
                    .setHost(admin.host())
                    .setPort(admin.port())
                    .setDatabase(admin.database())
                    .setUser(admin.user())
                    .setPassword(admin.password()))
            .using(vertx)
            .build();
    try {
      pool.query("CREATE DATABASE " + name).execute().await();
      TestDatabases.dropAtExit(name);
    } finally {
      pool.close().await();
    }
    return DatabaseTarget.postgres(
        "postgresql://"
            + admin.user()
            + ":"
            + admin.password()
            + "@"
            + admin.host()
            + ":"
            + admin.port()
            + "/"
            + name);
  }

  private void wipe(Database db) {
    db.inTransaction(
            c ->
                c.query("DELETE FROM tasks")
                    .execute()
                    .compose(v -> c.query("DELETE FROM job").execute())
                    .compose(v -> c.query("DELETE FROM flags").execute()))
        .await();
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void backupWipeRestoreIntoAFreshDatabaseBringsBackEveryRow(String dialect) throws Exception {
    backups = Files.createDirectories(dir.resolve("backups"));
    DatabaseTarget t = TestDatabases.fresh(dialect);
    Database db = open(t);
    populate(db, t);
    Map<String, List<JsonObject>> before = everyRow(db);
    assertEquals(3, before.get("job").size());
    assertEquals(3, before.get("tasks").size());
    assertTrue(before.get("flags").size() >= 5, before.toString());

    Run backup = run(t, "backup");
    assertEquals(0, backup.code(), backup.err());
    Path file = onlyBackup(backupPattern(dialect));
    assertTrue(backup.out().contains("Snapshot written to " + file), backup.out());

    // wipe: the rows are gone, then restore into a brand-new, empty database
    wipe(db);
    assertTrue(everyRow(db).get("job").isEmpty());
    closeDb(db);
    DatabaseTarget fresh = emptyTarget(dialect);
    Run restore = run(fresh, "restore", "-y", file.toString());
    assertEquals(0, restore.code(), restore.err() + restore.out());
    assertTrue(restore.out().startsWith("Restored " + file + " into the "), restore.out());
    Database restored = open(fresh);
    assertEquals(before, everyRow(restored));
    // a restored database is up to date: the controller would start on it
    Migrations.requireUpToDate(fresh);
    if (dialect.equals("postgresql")) {
      // with planner statistics: a dump has none, and the scheduler's join plans badly without
      assertTrue(restore.out().contains("Planner statistics refreshed (ANALYZE)."), restore.out());
      long analysed =
          restored
              .pool()
              .query(
                  "SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('job', 'tasks')"
                      + " AND (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL)")
              .execute()
              .await()
              .iterator()
              .next()
              .getLong(0);
      assertEquals(2, analysed, "job and tasks analysed after the restore");
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void restoreOverTheLiveDatabaseReplacesEverything(String dialect) throws Exception {
    backups = Files.createDirectories(dir.resolve("backups"));
    DatabaseTarget t = TestDatabases.fresh(dialect);
    Database db = open(t);
    populate(db, t);
    Map<String, List<JsonObject>> before = everyRow(db);
    assertEquals(0, run(t, "backup").code());
    Path file = onlyBackup(backupPattern(dialect));
    // after the backup: a new job, a changed flag, a deleted task
    jobs.insertAll(db.pool(), List.of(Jobs.pending("rap0000000000009", "late", "test", "ws", 900)))
        .await();
    flags.set(db.pool(), "test", "paused", null).await();
    db.pool().query("DELETE FROM tasks WHERE id = 'dbstatus-1'").execute().await();
    assertNotEquals(before, everyRow(db));
    closeDb(db);

    Run restore = run(t, "restore", "-y", file.toString());
    assertEquals(0, restore.code(), restore.err() + restore.out());
    Database again = open(t);
    assertEquals(before, everyRow(again));
    if (dialect.equals("sqlite")) {
      Path kept =
          t.sqliteFile()
              .resolveSibling(
                  t.sqliteFile().getFileName()
                      + ".pre-restore_"
                      + restore.out().replaceAll("(?s).*\\.pre-restore_(\\S+?Z)\\.sqlite.*", "$1")
                      + ".sqlite");
      assertTrue(Files.exists(kept), restore.out());
      assertTrue(restore.out().contains("kept in " + kept), restore.out());
      Database old = open(DatabaseTarget.sqlite(kept));
      assertEquals(4, everyRow(old).get("job").size(), "the pre-restore copy has the late job");
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void backupWhileAConnectionWritesIsConsistentAndRestorable(String dialect) throws Exception {
    backups = Files.createDirectories(dir.resolve("backups"));
    DatabaseTarget t = TestDatabases.fresh(dialect);
    Database db = open(t);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger written = new AtomicInteger();
    // a writer on its own thread: one job per transaction, as fast as the database takes them
    Thread writer =
        new Thread(
            () -> {
              int i = 0;
              while (!stop.get()) {
                Job j = Jobs.pending(String.format("rap%013d", i), "a", "test", "ws", 1000 + i);
                db.inTransaction(c -> jobs.insertAll(c, List.of(j))).await();
                written.set(++i);
              }
            });
    writer.start();
    try {
      while (written.get() < 20) {
        Thread.sleep(5);
      }
      int atStart = written.get();
      Run backup = run(t, "backup");
      int atEnd = written.get();
      assertEquals(0, backup.code(), backup.err());
      stop.set(true);
      writer.join();
      Path file = onlyBackup(backupPattern(dialect));
      DatabaseTarget fresh = emptyTarget(dialect);
      Run restore = run(fresh, "restore", "-y", file.toString());
      assertEquals(0, restore.code(), restore.err() + restore.out());
      Database restored = open(fresh);
      List<JsonObject> rows = everyRow(restored).get("job");
      assertTrue(
          rows.size() >= atStart && rows.size() <= atEnd + 1,
          rows.size() + " jobs, writer at " + atStart + ".." + atEnd);
      // consistent: exactly the first n jobs the writer committed, no gaps
      for (int i = 0; i < rows.size(); i++) {
        assertEquals(
            1000 + i,
            ((Number)
                    rows.stream()
                        .sorted(
                            (a, b) ->
                                Long.compare(
                                    ((Number) a.getValue("created_at")).longValue(),
                                    ((Number) b.getValue("created_at")).longValue()))
                        .toList()
                        .get(i)
                        .getValue("created_at"))
                .longValue());
      }
    } finally {
      stop.set(true);
      writer.join();
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void restoreRefusesWhileAControllerHoldsTheSchedulerLockUnlessForced(String dialect)
      throws Exception {
    backups = Files.createDirectories(dir.resolve("backups"));
    DatabaseTarget t = TestDatabases.fresh(dialect);
    Database db = open(t);
    populate(db, t);
    assertEquals(0, run(t, "backup").code());
    Path file = onlyBackup(backupPattern(dialect));
    jobs.insertAll(db.pool(), List.of(Jobs.pending("rap0000000000009", "late", "test", "ws", 900)))
        .await();
    SchedulerLock lock = SchedulerLock.forTarget(vertx, t);
    assertTrue(lock.tryAcquire().await());
    try {
      Run refused = run(t, "restore", "-y", file.toString());
      assertEquals(1, refused.code());
      assertTrue(
          refused.err().startsWith("A controller is running its scheduler loop on "),
          refused.err());
      assertTrue(
          refused
              .err()
              .contains(
                  "Stop every controller process before restoring (agents may keep running),"
                      + " or pass --force to restore anyway."),
          refused.err());
      assertEquals(4, everyRow(db).get("job").size(), "nothing changed");
      closeDb(db);
      Run forced = run(t, "restore", "-y", "--force", file.toString());
      assertEquals(0, forced.code(), forced.err());
      assertTrue(
          forced.out().contains("Forced while a controller held the scheduler lock"), forced.out());
      assertEquals(3, everyRow(open(t)).get("job").size());
    } finally {
      lock.release().await();
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void aBackupFromAnOlderSchemaIsMigratedAsItIsRestored(String dialect) throws Exception {
    backups = Files.createDirectories(dir.resolve("backups"));
    DatabaseTarget old = emptyTarget(dialect);
    if (old.dialect() == DatabaseTarget.Dialect.SQLITE) {
      Files.createDirectories(old.sqliteFile().getParent());
    }
    Flyway.configure()
        .dataSource(old.jdbcUrl(), old.user(), old.password())
        .locations("classpath:db/migration/common")
        .target("1")
        .load()
        .migrate();
    Database db = open(old);
    Job job = Jobs.pending("rap0000000000001", "generate", "test", "ws", 100);
    jobs.insertAll(db.pool(), List.of(job)).await();
    flags.set(db.pool(), "test", "paused", "true").await();
    Map<String, List<JsonObject>> before = everyRow(db);
    assertEquals(0, run(old, "backup").code());
    closeDb(db);
    Path file = onlyBackup(backupPattern(dialect));
    DatabaseTarget fresh = emptyTarget(dialect);
    Run restore = run(fresh, "restore", "-y", file.toString());
    assertEquals(0, restore.code(), restore.err());
    String current = Migrations.info(fresh).current().getVersion().getVersion();
    assertNotEquals("1", current);
    assertTrue(
        restore.out().contains("The backup was at schema version 1; migrated to " + current + "."),
        restore.out());
    Migrations.requireUpToDate(fresh);
    // the rows as they were, with the columns later migrations added (V4: metrics, none yet)
    List<JsonObject> expected =
        before.get("job").stream().map(r -> r.copy().put("metrics", null)).toList();
    assertEquals(expected, everyRow(open(fresh)).get("job"));
  }

  @Test
  void sqliteRestoreRefusesWhileAnotherProcessHoldsTheLockFile() throws Exception {
    backups = Files.createDirectories(dir.resolve("backups"));
    DatabaseTarget t = TestDatabases.fresh("sqlite");
    Database db = open(t);
    populate(db, t);
    assertEquals(0, run(t, "backup").code());
    Path file = onlyBackup(backupPattern("sqlite"));
    jobs.insertAll(db.pool(), List.of(Jobs.pending("rap0000000000009", "late", "test", "ws", 900)))
        .await();
    closeDb(db);
    Path lockFile = t.sqliteFile().resolveSibling(t.sqliteFile().getFileName() + ".scheduler.lock");
    Process holder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                FileLockHolder.class.getName(),
                lockFile.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      var reader = new BufferedReader(new InputStreamReader(holder.getInputStream()));
      assertEquals("locked", reader.readLine());
      Run refused = run(t, "restore", "-y", file.toString());
      assertEquals(1, refused.code());
      assertEquals(
          "A controller is running its scheduler loop on "
              + t.sqliteFile()
              + " (process "
              + holder.pid()
              + " holds "
              + lockFile
              + ").\nStop every controller process before restoring (agents may keep running),"
              + " or pass --force to restore anyway.\n",
          refused.err());
      assertEquals(4, everyRow(open(t)).get("job").size(), "nothing changed");
    } finally {
      holder.getOutputStream().close();
      holder.waitFor();
    }
    // the holder is gone (the OS released its lock): the restore goes ahead
    for (Database d : List.copyOf(open)) {
      closeDb(d);
    }
    Run ok = run(t, "restore", "-y", file.toString());
    assertEquals(0, ok.code(), ok.err());
    assertFalse(ok.out().contains("Forced"), ok.out());
    assertEquals(3, everyRow(open(t)).get("job").size());
  }

  @Test
  void missingPostgresToolsAreNamedWithTheInstallHint() {
    var e =
        Assertions.assertThrows(
            Snapshots.Refused.class,
            () -> PgToolsAccess.find("pg_dump", dir.toString(), dir.resolve("nope")));
    assertEquals(
        "pg_dump not found on PATH or in "
            + dir.resolve("nope")
            + "/*/bin: install the PostgreSQL client"
            + " tools (Debian: apt-get install postgresql-client) in the version of the server or newer.",
        e.getMessage());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void restoreRefusesWhatIsNotARapBackupAndChangesNothing(String dialect) throws Exception {
    backups = Files.createDirectories(dir.resolve("backups"));
    DatabaseTarget t = TestDatabases.fresh(dialect);
    Database db = open(t);
    populate(db, t);
    Map<String, List<JsonObject>> before = everyRow(db);

    Run missing = run(t, "restore", "-y", dir.resolve("nope.sqlite").toString());
    assertEquals(1, missing.code());
    assertEquals(
        "Backup file not found or not readable: " + dir.resolve("nope.sqlite") + "\n",
        missing.err());

    Path text = Files.writeString(dir.resolve("notes.txt"), "hello");
    Run notDb = run(t, "restore", "-y", text.toString());
    assertEquals(1, notDb.code());
    assertTrue(notDb.err().contains(text + " is not a"), notDb.err());

    // a SQLite database, but not RAP's
    Path other = dir.resolve("other.sqlite");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + other);
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE things (x INTEGER)");
    }
    Run notRap = run(t, "restore", "-y", other.toString());
    assertEquals(1, notRap.code());
    assertTrue(
        dialect.equals("sqlite")
            ? notRap
                .err()
                .contains(
                    other
                        + " is not a RAP database backup: it has no flyway_schema_history, job, tasks, flags table.")
            : notRap
                .err()
                .contains(
                    other + " is a SQLite snapshot, but DATABASE_URL is the PostgreSQL database"),
        notRap.err());

    if (dialect.equals("sqlite")) {
      // a RAP snapshot written by a newer RAP (unknown schema version)
      assertEquals(0, run(t, "backup").code());
      Path snap = onlyBackup(backupPattern(dialect));
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + snap);
          Statement st = c.createStatement()) {
        st.execute(
            "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
                + " checksum, installed_by, installed_on, execution_time, success) VALUES (99, '99', 'future', 'SQL',"
                + " 'V99__future.sql', 0, 'rap', '2030-01-01 00:00:00', 1, 1)");
      }
      Run newer = run(t, "restore", "-y", snap.toString());
      assertEquals(1, newer.code());
      assertTrue(
          newer.err().contains("has schema version 99, which this RAP does not know"), newer.err());
      // a pg_dump archive offered to a SQLite configuration
      Path fakeDump = Files.writeString(dir.resolve("x.pgdump"), "PGDMP....");
      Run wrong = run(t, "restore", "-y", fakeDump.toString());
      assertTrue(
          wrong
              .err()
              .contains(
                  "is a pg_dump archive of a PostgreSQL database, but the configured database is the SQLite file"),
          wrong.err());
    } else {
      Path fakeDump = Files.writeString(dir.resolve("x.pgdump"), "PGDMP garbage");
      Run bad = run(t, "restore", "-y", fakeDump.toString());
      assertEquals(1, bad.code());
      assertTrue(bad.err().contains(fakeDump + " cannot be read by pg_restore"), bad.err());
      // a live database with a table the backup does not have (a later schema): refused
      assertEquals(0, run(t, "backup").code());
      Path dump = onlyBackup(backupPattern(dialect));
      db.pool().query("CREATE TABLE later_thing (x INTEGER)").execute().await();
      Run extra = run(t, "restore", "-y", dump.toString());
      assertEquals(1, extra.code());
      assertTrue(
          extra
              .err()
              .contains(
                  "has tables the backup does not (later_thing), probably from a later schema"
                      + " version. Restore into a fresh, empty database"),
          extra.err());
      db.pool().query("DROP TABLE later_thing").execute().await();
    }
    Run noConfirm = run(t, "restore", dir.resolve("nope.sqlite").toString());
    assertEquals(1, noConfirm.code());
    assertEquals(
        "Not asking for confirmation without a terminal: pass -y to restore.\n", noConfirm.err());
    assertEquals(before, everyRow(db), "nothing changed");
  }

  @Tag("postgres")
  @Test
  void backupRefusesAMissingBackupsPathOnPostgresToo() throws Exception {
    backups = dir.resolve("missing");
    DatabaseTarget t = TestDatabases.fresh("postgresql");
    Run r = run(t, "backup");
    assertEquals(1, r.code());
    assertEquals(
        "BACKUPS_PATH does not exist: "
            + backups
            + "\nRefusing to run on the assumption that backups are misconfigured.\n",
        r.err());
  }

  @Tag("postgres")
  @Test
  void backupOnPostgresKeepsOnlyTheNewestDump() throws Exception {
    backups = Files.createDirectories(dir.resolve("backups"));
    Files.writeString(backups.resolve("db.snapshot_2020-01-01_000000Z.pgdump"), "old");
    Files.writeString(backups.resolve("db.snapshot_2020-01-01_000000Z.sqlite"), "other kind, kept");
    DatabaseTarget t = TestDatabases.fresh("postgresql");
    Run r = run(t, "backup");
    assertEquals(0, r.code(), r.err());
    List<String> names;
    try (Stream<Path> s = Files.list(backups)) {
      names = s.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertEquals(2, names.size(), names.toString());
    assertEquals("db.snapshot_2020-01-01_000000Z.sqlite", names.get(0));
    assertTrue(names.get(1).matches(backupPattern("postgresql")), names.toString());
    assertFalse(
        r.out().contains("rap@") || r.err().contains(t.password() + "@"), "no password printed");
  }
}

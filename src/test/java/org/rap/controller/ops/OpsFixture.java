package org.rap.controller.ops;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Settings;
import org.rap.common.model.Job;
import org.rap.common.model.JobSpec;
import org.rap.common.model.JobStatus;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.StatusMessages;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;
import org.rap.common.model.Timestamps;
import org.rap.controller.ControllerContext;
import org.rap.controller.ControllerVerticle;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.scheduler.SchedulerLock;
import org.rap.testing.Jobs;
import org.rap.testing.TestDatabases;

/**
 * A real controller (HTTP on a random loopback port) whose scheduler loop never runs (the test
 * holds the loop lock, so job states stay as the test sets them), with a known set of backends,
 * flags, jobs and tasks.
 */
final class OpsFixture implements AutoCloseable {
  static final String TOKEN = "ops-secret-token";

  /** A user-influenced message that would run script if it were ever parsed as markup. */
  static final String NASTY =
      "<img src=x onerror=\"document.title='pwned'\"> & <b>bold</b> \"quoted\"";

  final Vertx vertx = Vertx.vertx();
  final ControllerVerticle controller;
  final ControllerContext ctx;
  final String base;
  final SchedulerLock lock;
  final long now = Timestamps.nowSeconds();
  Job running;
  Job pending;
  Job dbPending;
  Job failed;

  OpsFixture(String dialect, Path workdir, String token) throws Exception {
    DatabaseTarget t = TestDatabases.fresh(dialect);
    lock = SchedulerLock.forTarget(vertx, t);
    if (!lock.tryAcquire().await()) {
      throw new IllegalStateException("could not take the loop lock");
    }
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
    Map<String, String> s = new HashMap<>();
    s.put("BACKENDS", "test,tpp");
    s.put("DATABASE_URL", url);
    s.put("WORKDIR", workdir.toString());
    s.put("CONTROLLER_HOST", "127.0.0.1");
    s.put("CONTROLLER_PORT", "0");
    s.put("JOB_LOOP_INTERVAL", "3600");
    s.put("TEST_MAX_WORKERS", "4");
    s.put("TEST_MAX_DB_WORKERS", "1");
    s.put("MAINTENANCE_ENABLED_BACKENDS", "");
    s.put("DATA_CHECK_ENABLED_BACKENDS", "");
    if (token != null) {
      s.put("OPS_PAGE_TOKEN", token);
    }
    controller = new ControllerVerticle(ControllerConfig.from(Settings.of(s)));
    vertx.deployVerticle(controller).await();
    ctx = controller.context();
    base = "http://127.0.0.1:" + controller.httpPort();
  }

  /** Flags on both backends, a running, two pending and a failed job, an active task. */
  OpsFixture populate() {
    var pool = ctx.db().pool();
    long nowUs = Timestamps.nowMicros();
    ctx.flags().set(pool, "test", "paused", "true").await();
    ctx.flags()
        .stamp(
            pool,
            "test",
            "last-seen-at",
            Timestamps.isoOffset(nowUs - 5_000_000L),
            nowUs - 5_000_000L)
        .await();
    ctx.flags().set(pool, "tpp", "mode", "db-maintenance").await();
    ctx.flags().set(pool, "tpp", "manual-db-maintenance", "on").await();
    running =
        Jobs.pending("rap0000000000001", "analyse", "test", "ws", now - 600)
            .withStatus(
                State.RUNNING,
                StatusCode.EXECUTING,
                StatusMessages.INITIATED,
                now,
                now - 300,
                null,
                (now - 300) * 1_000_000_000L);
    pending = Jobs.pending("rap0000000000001", "generate", "test", "ws", now - 120);
    Job db = Jobs.pending("rap0000000000002", "extract", "tpp", "other", now - 60);
    dbPending =
        new Job(
            new JobSpec(
                db.id(),
                db.rapId(),
                db.backend(),
                db.workspace(),
                db.action(),
                db.createdAt(),
                new JobSpec.Source(
                    db.repoUrl(), db.commit(), db.branch(), db.actionRepoUrl(), db.actionCommit()),
                new JobSpec.Run(
                    db.runCommand(), db.outputSpec(), true, db.databaseName(), db.analysisScope()),
                new JobSpec.Needs(db.requiresOutputsFrom(), db.waitForJobIds()),
                new JobSpec.Origin(db.user(), db.project(), db.orgs(), Map.of())),
            new JobStatus(
                db.state(),
                StatusCode.WAITING_DB_MAINTENANCE,
                "Waiting for database to finish maintenance",
                false,
                db.updatedAt(),
                null,
                null,
                db.statusCodeUpdatedAt()));
    failed =
        Jobs.pending("rap0000000000003", "report", "test", "ws", now - 3600)
            .withStatus(
                State.FAILED,
                StatusCode.NONZERO_EXIT,
                NASTY,
                now - 30,
                now - 3500,
                now - 30,
                (now - 30) * 1_000_000_000L);
    ctx.db()
        .inTransaction(c -> ctx.jobs().insertAll(c, List.of(running, pending, dbPending, failed)))
        .await();
    ctx.tasks()
        .insert(
            pool,
            new Task(
                running.id() + "-001",
                "test",
                TaskType.RUNJOB,
                new JsonObject(),
                new JsonObject(),
                now - 300,
                true,
                null,
                new Task.AgentReport("executing", false, null, null)),
            running.id())
        .await();
    return this;
  }

  HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    try {
      lock.release().await();
    } finally {
      vertx.close().await();
    }
  }
}

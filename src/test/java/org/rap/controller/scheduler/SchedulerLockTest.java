package org.rap.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Settings;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.common.model.Task;
import org.rap.controller.ControllerContext;
import org.rap.controller.db.Database;
import org.rap.controller.db.DatabaseTarget;
import org.rap.testing.Jobs;
import org.rap.testing.TestDatabases;

/** One active scheduler per database: the loop lock, takeover, and no duplicate tasks. */
class SchedulerLockTest {
  private final List<Vertx> vertxes = new ArrayList<>();

  @AfterEach
  void close() {
    for (Vertx v : vertxes) {
      v.close().await();
    }
  }

  private record Instance(Vertx vertx, ControllerContext ctx, SchedulerVerticle verticle) {}

  private Instance instance(DatabaseTarget target, Path workdir) {
    Vertx vertx = Vertx.vertx();
    vertxes.add(vertx);
    ControllerConfig config =
        ControllerConfig.from(
            Settings.of(
                Map.of(
                    "BACKENDS",
                    "test",
                    "TEST_MAX_WORKERS",
                    "1000",
                    "JOB_LOOP_INTERVAL",
                    "0.1",
                    "WORKDIR",
                    workdir.toString())));
    ControllerContext ctx = ControllerContext.of(config, Database.open(vertx, target));
    SchedulerVerticle v = new SchedulerVerticle(ctx);
    vertx.deployVerticle(v).await();
    return new Instance(vertx, ctx, v);
  }

  private static void waitFor(BooleanSupplier cond, String what) throws InterruptedException {
    for (int i = 0; i < 400 && !cond.getAsBoolean(); i++) {
      Thread.sleep(25);
    }
    assertTrue(cond.getAsBoolean(), what);
  }

  private static void insertJobs(ControllerContext ctx, String rap, int n) {
    List<Job> jobs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      jobs.add(Jobs.pending(rap, "action_" + i, "test", "ws", 1000 + i));
    }
    ctx.db().inTransaction(c -> ctx.jobs().insertAll(c, jobs)).await();
  }

  private static boolean allRunning(ControllerContext ctx, int n) {
    List<Job> active = ctx.jobs().findActive(ctx.db().pool()).await();
    return active.size() == n && active.stream().allMatch(j -> j.state() == State.RUNNING);
  }

  @Tag("postgres")
  @Test
  void twoControllersOnOnePostgresDatabaseRunOneLoopAndTheStandbyTakesOver(@TempDir Path dir)
      throws Exception {
    DatabaseTarget target = TestDatabases.fresh("postgresql");
    Instance a = instance(target, dir);
    waitFor(() -> a.verticle().isActive(), "the first controller takes the loop");
    Instance b = instance(target, dir);
    Thread.sleep(1500); // b retries the lock at least once
    assertFalse(b.verticle().isActive(), "the second controller is a standby");
    assertEquals(0, b.verticle().passes());

    insertJobs(a.ctx(), "rap0000000000001", 20);
    waitFor(() -> allRunning(a.ctx(), 20), "the active loop starts every job");
    assertEquals(0, b.verticle().passes(), "the standby never ran a pass");

    // the holder's lock session dies: whoever retries first takes the loop, never both
    int pid = ((PgAdvisoryLock) a.verticle().lock()).sessionPid();
    assertTrue(pid > 0);
    a.ctx().db().pool().query("SELECT pg_terminate_backend(" + pid + ")").execute().await();
    waitFor(
        () ->
            a.verticle().isActive() != b.verticle().isActive()
                && ((PgAdvisoryLock) a.verticle().lock()).sessionPid() != pid,
        "exactly one holder after the session died");
    // the holder's process dies (its session ends with it): the standby takes over
    Instance holder = a.verticle().isActive() ? a : b;
    Instance standby = holder == a ? b : a;
    int holderPid = ((PgAdvisoryLock) holder.verticle().lock()).sessionPid();
    holder
        .ctx()
        .db()
        .pool()
        .query("SELECT pg_terminate_backend(" + holderPid + ")")
        .execute()
        .await();
    holder.vertx().close().await();
    vertxes.remove(holder.vertx());
    waitFor(() -> standby.verticle().isActive(), "the standby takes over within a few seconds");
    Instance b2 = standby;

    insertJobs(b2.ctx(), "rap0000000000002", 20);
    waitFor(() -> allRunning(b2.ctx(), 40), "the new holder starts the new jobs");
    List<Job> active = b2.ctx().jobs().findActive(b2.ctx().db().pool()).await();
    Set<String> taskIds = new HashSet<>();
    for (Job j : active) {
      List<Task> tasks = b2.ctx().tasks().findRunJobTasks(b2.ctx().db().pool(), j.id()).await();
      assertEquals(1, tasks.size(), "exactly one RUNJOB task for " + j.id());
      assertTrue(taskIds.add(tasks.get(0).id()));
    }
  }

  @Test
  void fileLockIsExclusiveAndReleasable(@TempDir Path dir) throws Exception {
    Vertx vertx = Vertx.vertx();
    vertxes.add(vertx);
    Path file = dir.resolve("db.sqlite.scheduler.lock");
    FileSchedulerLock first = new FileSchedulerLock(vertx, file);
    FileSchedulerLock second = new FileSchedulerLock(vertx, file);
    assertTrue(first.tryAcquire().await());
    assertFalse(second.tryAcquire().await());
    assertTrue(first.isHeld());
    assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(file));
    first.release().await();
    assertTrue(second.tryAcquire().await());
    assertFalse(first.tryAcquire().await());
    second.release().await();
  }

  @Test
  void sqliteControllersShareTheLockFileNextToTheDatabase(@TempDir Path dir) throws Exception {
    DatabaseTarget target = TestDatabases.fresh("sqlite");
    Instance a = instance(target, dir);
    waitFor(() -> a.verticle().isActive(), "first takes the loop");
    Instance b = instance(target, dir);
    Thread.sleep(1200);
    assertFalse(b.verticle().isActive());
    insertJobs(a.ctx(), "rap0000000000001", 5);
    waitFor(() -> allRunning(a.ctx(), 5), "jobs start");
    a.vertx().undeploy(a.vertx().deploymentIDs().iterator().next()).await();
    waitFor(() -> b.verticle().isActive(), "the standby takes over after the holder stops");
  }
}

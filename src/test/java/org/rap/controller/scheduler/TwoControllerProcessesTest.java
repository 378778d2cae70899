package org.rap.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.controller.db.Database;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.db.JobRepository;
import org.rap.controller.db.TaskRepository;
import org.rap.testing.Jobs;
import org.rap.testing.TestDatabases;
import org.rap.testing.TestTokens;

/**
 * Two real controller processes ({@code rap --role=controller}) on one PostgreSQL database: only
 * one runs the loop; after {@code kill -9} of that one the other takes over, and no task is created
 * twice.
 */
@Tag("postgres")
class TwoControllerProcessesTest {
  private static final String HOLDS = "holds the scheduler loop";
  private final List<Process> processes = new ArrayList<>();
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    processes.forEach(Process::destroyForcibly);
    vertx.close().await();
  }

  private Process controller(DatabaseTarget t, Path dir, String name) throws IOException {
    String url =
        "postgresql://"
            + t.user()
            + ":"
            + t.password()
            + "@"
            + t.host()
            + ":"
            + t.port()
            + "/"
            + t.database();
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            "org.rap.Main",
            "--role=controller");
    Map<String, String> env = pb.environment();
    env.put("DATABASE_URL", url);
    env.put("BACKENDS", "test");
    env.put("CONTROLLER_HOST", "127.0.0.1");
    env.put("CONTROLLER_PORT", "0");
    env.put("WORKDIR", dir.resolve(name).toString());
    env.put("JOB_LOOP_INTERVAL", "0.2");
    env.put("TEST_MAX_WORKERS", "1000");
    env.putAll(TestTokens.controllerEnv("test"));
    pb.redirectErrorStream(true);
    pb.redirectOutput(dir.resolve(name + ".log").toFile());
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  private static boolean logged(Path log, String text) {
    try {
      return Files.exists(log) && Files.readString(log).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  private static void waitFor(BooleanSupplier cond, int seconds, String what)
      throws InterruptedException {
    for (int i = 0; i < seconds * 20 && !cond.getAsBoolean(); i++) {
      Thread.sleep(50);
    }
    assertTrue(cond.getAsBoolean(), what);
  }

  @Test
  void killMinusNineOfTheActiveControllerHandsTheLoopToTheOther(@TempDir Path dir)
      throws Exception {
    DatabaseTarget target = TestDatabases.fresh("postgresql");
    Database db = Database.open(vertx, target);
    JobRepository jobs = new JobRepository();
    TaskRepository tasks = new TaskRepository();

    Process first = controller(target, dir, "first");
    Path firstLog = dir.resolve("first.log");
    waitFor(() -> logged(firstLog, HOLDS), 60, "the first controller takes the loop");
    controller(target, dir, "second");
    Path secondLog = dir.resolve("second.log");
    waitFor(
        () -> logged(secondLog, "Another controller holds the scheduler loop"),
        60,
        "the second is a standby");

    List<Job> batch1 = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      batch1.add(Jobs.pending("rap0000000000001", "a" + i, "test", "ws", 100 + i));
    }
    db.inTransaction(c -> jobs.insertAll(c, batch1)).await();
    waitFor(
        () -> jobs.findActive(db.pool()).await().stream().allMatch(j -> j.state() == State.RUNNING),
        30,
        "jobs start");

    first.destroyForcibly().waitFor();
    waitFor(() -> logged(secondLog, HOLDS), 30, "the standby takes over within seconds of kill -9");

    List<Job> batch2 = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      batch2.add(Jobs.pending("rap0000000000002", "b" + i, "test", "ws", 200 + i));
    }
    db.inTransaction(c -> jobs.insertAll(c, batch2)).await();
    waitFor(
        () -> {
          List<Job> active = jobs.findActive(db.pool()).await();
          return active.size() == 20 && active.stream().allMatch(j -> j.state() == State.RUNNING);
        },
        30,
        "the new holder starts the new jobs");
    for (Job j : jobs.findActive(db.pool()).await()) {
      assertEquals(
          1,
          tasks.findRunJobTasks(db.pool(), j.id()).await().size(),
          "one RUNJOB task for " + j.id());
    }
    db.closeAsync().await();
  }
}

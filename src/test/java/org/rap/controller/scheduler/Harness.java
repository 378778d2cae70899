package org.rap.controller.scheduler;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Settings;
import org.rap.common.model.Job;
import org.rap.common.model.Task;
import org.rap.common.tasks.TaskUpdate;
import org.rap.controller.ControllerContext;
import org.rap.controller.ControllerEvents;
import org.rap.controller.api.tasks.TaskReports;
import org.rap.controller.db.Database;
import org.rap.testing.TestDatabases;

/** A real database plus a scheduler with a controllable clock, for scheduler tests. */
final class Harness implements AutoCloseable {
  /** Test clock start, UNIX seconds. */
  static final long T0 = 1_800_000_000L;

  final Vertx vertx = Vertx.vertx();
  final Database db;
  final ControllerContext ctx;
  final AtomicLong clockNs = new AtomicLong(T0 * 1_000_000_000L);
  final List<JsonObject> taskCreatedEvents = new CopyOnWriteArrayList<>();
  Scheduler scheduler;

  Harness(String dialect, Map<String, String> settings) throws Exception {
    this(dialect, settings, Map.of());
  }

  Harness(String dialect, Map<String, String> settings, Map<String, ResourceWeights> weights)
      throws Exception {
    db = TestDatabases.open(vertx, dialect);
    Map<String, String> s = new HashMap<>();
    s.put("BACKENDS", "test,tpp");
    s.put("MAINTENANCE_ENABLED_BACKENDS", "tpp");
    s.put("DATA_CHECK_ENABLED_BACKENDS", "tpp");
    s.putAll(settings);
    ControllerConfig config = ControllerConfig.from(Settings.of(s));
    ctx = ControllerContext.of(config, db);
    scheduler =
        new Scheduler(
            vertx,
            ctx,
            CachingImageDigests.offline(),
            weights,
            clockNs::get,
            new Scheduler.Options(Duration.ZERO, Duration.ZERO));
    vertx
        .eventBus()
        .<JsonObject>consumer(ControllerEvents.TASK_CREATED, m -> taskCreatedEvents.add(m.body()));
  }

  long nowS() {
    return clockNs.get() / 1_000_000_000L;
  }

  void advance(long seconds) {
    clockNs.addAndGet(seconds * 1_000_000_000L);
  }

  Job insert(TestJob t) {
    Job j = t.build();
    db.inTransaction(c -> ctx.jobs().insertAll(c, List.of(j))).await();
    return j;
  }

  Scheduler.PassStats pass() {
    return scheduler.runPass().await();
  }

  Job job(String id) {
    return ctx.jobs().findById(db.pool(), id).await().orElseThrow();
  }

  List<Task> active(String backend) {
    return ctx.tasks().findActive(db.pool(), backend).await();
  }

  Task task(String id) {
    return ctx.tasks().findById(db.pool(), id).await().orElseThrow();
  }

  List<Task> runJobTasks(String jobId) {
    return ctx.tasks().findRunJobTasks(db.pool(), jobId).await();
  }

  void agent(String taskId, String stage, boolean complete, JsonObject results, Long tsNs) {
    String backend = task(taskId).backend();
    new TaskReports(vertx, ctx)
        .store(backend, new TaskUpdate(taskId, stage, results, complete, tsNs), nowS())
        .await();
  }

  void flag(String backend, String id, String value) {
    ctx.flags().set(db.pool(), backend, id, value).await();
  }

  static JsonObject ok(int exitCode) {
    return new JsonObject()
        .put("exit_code", exitCode)
        .put("error", false)
        .put("status_message", "")
        .put("has_unmatched_patterns", false)
        .put("has_level4_excluded_files", false);
  }

  List<String> ids(List<Task> tasks) {
    List<String> out = new ArrayList<>();
    tasks.forEach(t -> out.add(t.id()));
    return out;
  }

  @Override
  public void close() {
    db.closeAsync().await();
    vertx.close().await();
  }
}

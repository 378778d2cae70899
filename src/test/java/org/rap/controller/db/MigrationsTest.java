package org.rap.controller.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rap.common.model.Job;
import org.rap.testing.Jobs;
import org.rap.testing.TestDatabases;

/** Migrations that move data: what a database of the previous schema holds afterwards. */
class MigrationsTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  static List<String> dialects() {
    return TestDatabases.dialects();
  }

  /** V4: each job's metrics are copied from its latest RUNJOB task's results. */
  @ParameterizedTest
  @MethodSource("dialects")
  void v4CopiesTheLatestRunJobMetricsToTheJob(String dialect) throws Exception {
    DatabaseTarget target = TestDatabases.unmigrated(dialect);
    Migrations.migrateTo(target, "3");
    Job twoAttempts = Jobs.pending("rap0000000000001", "generate", "test", "ws", 100);
    Job noMetrics = Jobs.pending("rap0000000000001", "analyse", "test", "ws", 101);
    Job noTask = Jobs.pending("rap0000000000001", "report", "test", "ws", 102);
    Job badResults = Jobs.pending("rap0000000000001", "odd", "test", "ws", 103);
    JsonObject latest = new JsonObject().put("cpu_mean", 97.5).put("mem_mb_peak", 1024.0);
    try (Database db = Database.open(vertx, target)) {
      new JobRepository()
          .insertAll(db.pool(), List.of(twoAttempts, noMetrics, noTask, badResults))
          .await();
      task(
          db,
          twoAttempts.id() + "-001",
          twoAttempts.id(),
          "runjob",
          new JsonObject().put("job_metrics", new JsonObject().put("old", 1)).encode());
      task(
          db,
          twoAttempts.id() + "-002",
          twoAttempts.id(),
          "runjob",
          new JsonObject().put("job_metrics", latest).encode());
      task(
          db,
          twoAttempts.id() + "-002-cancel",
          twoAttempts.id(),
          "canceljob",
          new JsonObject().put("job_metrics", new JsonObject().put("x", 1)).encode());
      task(
          db,
          noMetrics.id() + "-001",
          noMetrics.id(),
          "runjob",
          new JsonObject().put("job_metrics", "n/a").encode());
      task(db, badResults.id() + "-001", badResults.id(), "runjob", null);
    }
    Migrations.migrate(target);
    try (Database db = Database.open(vertx, target)) {
      assertEquals(latest, new JsonObject(metrics(db, twoAttempts.id())));
      assertNull(metrics(db, noMetrics.id()));
      assertNull(metrics(db, noTask.id()));
      assertNull(metrics(db, badResults.id()));
    }
  }

  private static void task(Database db, String id, String jobId, String type, String results) {
    Map<String, Object> p = new HashMap<>();
    p.put("id", id);
    p.put("job_id", jobId);
    p.put("type", type);
    p.put("results", results);
    SqlTemplate.forUpdate(
            db.pool(),
            "INSERT INTO tasks (id, backend, type, job_id, definition, active, created_at, agent_results)"
                + " VALUES (#{id}, 'test', #{type}, #{job_id}, '{}', 1, 1, #{results})")
        .execute(p)
        .await();
  }

  private static String metrics(Database db, String jobId) {
    Row r =
        SqlTemplate.forQuery(db.pool(), "SELECT metrics FROM job WHERE id = #{id}")
            .execute(Map.of("id", jobId))
            .await()
            .iterator()
            .next();
    return r.getString("metrics");
  }
}

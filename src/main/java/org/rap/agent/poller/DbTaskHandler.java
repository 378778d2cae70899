package org.rap.agent.poller;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import org.rap.agent.executor.DbTaskException;
import org.rap.agent.executor.DbTaskRunner;
import org.rap.common.model.TaskType;
import org.rap.common.tasks.AgentTask;

/**
 * DBSTATUS and DBDATACHECK (docs/spec/agent-executor.md section 11): run the database utilities
 * image and turn its answer into the update envelope {@code {"results": ..., "error": ...}}. Never
 * fails: every problem becomes an error envelope.
 */
public final class DbTaskHandler {
  private static final Logger LOG = Logger.getLogger(DbTaskHandler.class.getName());
  private final DbTaskRunner runner;
  private final Map<String, String> databaseUrls;
  private final String network;

  public DbTaskHandler(DbTaskRunner runner, Map<String, String> databaseUrls, String network) {
    this.runner = runner;
    this.databaseUrls = Map.copyOf(databaseUrls);
    this.network = network;
  }

  public Future<JsonObject> envelope(AgentTask task) {
    Future<JsonObject> result;
    try {
      result = run(task);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return result
        .map(r -> new JsonObject().put("results", r).putNull("error"))
        .recover(
            e -> {
              LOG.warning(
                  "DB task " + task.id() + " (" + task.type() + ") failed: " + e.getMessage());
              return Future.succeededFuture(
                  new JsonObject().putNull("results").put("error", errorOf(e)));
            });
  }

  private Future<JsonObject> run(AgentTask task) {
    JsonObject def = task.definition();
    String image = def.getString("image");
    if (image == null || image.isBlank()) {
      throw new DbTaskException("ValueError", "Task definition has no image");
    }
    String sha = def.getString("image_sha");
    if (task.type() == TaskType.DBSTATUS) {
      String name = def.getString("database_name", "default");
      Map<String, String> env = Map.of("DATABASE_URL", databaseUrl(name));
      return runner
          .run(image, sha, List.of("in_maintenance_mode"), env, network)
          .map(DbTaskAnswers::dbStatus);
    }
    if (task.type() == TaskType.DBDATACHECK) {
      String month = String.valueOf(def.getValue("hes_expected_activity_month", ""));
      if (!month.matches("\\d{6}")) {
        throw new DbTaskException(
            "ValueError", "hes_expected_activity_month must be YYYYMM, got '" + month + "'");
      }
      Map<String, String> env = Map.of("DATABASE_URL", databaseUrl("default"));
      return runner
          .run(image, sha, List.of("hes_cutoff_date_check", month), env, network)
          .map(DbTaskAnswers::dataCheck);
    }
    throw new IllegalArgumentException("not a DB task: " + task.type());
  }

  private String databaseUrl(String name) {
    String url = databaseUrls.get(name);
    if (url == null) {
      // Python's str(KeyError(name)) is the key's repr
      throw new DbTaskException("KeyError", "'" + name + "'");
    }
    return url;
  }

  static JsonObject errorOf(Throwable e) {
    String type = e instanceof DbTaskException d ? d.type() : e.getClass().getSimpleName();
    return new JsonObject().put("type", type).put("message", String.valueOf(e.getMessage()));
  }
}

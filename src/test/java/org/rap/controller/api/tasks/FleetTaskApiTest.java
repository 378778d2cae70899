package org.rap.controller.api.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Settings;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;
import org.rap.controller.ControllerContext;
import org.rap.controller.ControllerHttpVerticle;
import org.rap.controller.api.rap.RapService;
import org.rap.controller.db.Database;
import org.rap.testing.TestDatabases;

/** The task API of named agents (docs/spec/task-api.md section 8) over real HTTP. */
class FleetTaskApiTest {
  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http = HttpClient.newHttpClient();
  private Database db;
  private ControllerContext ctx;
  private String base;

  static List<String> dialects() {
    return TestDatabases.dialects();
  }

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private void start(String dialect) throws Exception {
    db = TestDatabases.open(vertx, dialect);
    ControllerConfig config =
        ControllerConfig.from(
            Settings.of(
                Map.of(
                    "BACKENDS", "test",
                    "CONTROLLER_HOST", "127.0.0.1",
                    "CONTROLLER_PORT", "0",
                    "TEST_JOB_SERVER_TOKEN", "test-token",
                    "TASK_LEASE_SECONDS", "60")));
    ctx = ControllerContext.of(config, db);
    ControllerHttpVerticle verticle =
        new ControllerHttpVerticle(
            ctx,
            new RapService(
                vertx, ctx, request -> Future.failedFuture(new IllegalStateException("none"))));
    vertx.deployVerticle(verticle).await();
    base = "http://127.0.0.1:" + verticle.port();
    Task t =
        Task.created(
            "job1-001",
            "test",
            TaskType.RUNJOB,
            new JsonObject().put("id", "job1"),
            new JsonObject(),
            100);
    ctx.tasks().insert(db.pool(), t, "job1").await();
  }

  private HttpResponse<String> poll(String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + "/test/tasks/"))
            .header("Authorization", "test-token");
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> update(String... headers) throws Exception {
    String body =
        new JsonObject()
            .put("task_id", "job1-001")
            .put("stage", "executing")
            .put("complete", false)
            .encode();
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + "/test/task/update/"))
            .header("Authorization", "test-token")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonArray tasks(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getJsonArray("tasks");
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void aNamedAgentHoldsItsTasksUnderALease(String dialect) throws Exception {
    start(dialect);
    HttpResponse<String> bad = poll("RAP-Agent-Id", "a");
    assertEquals(400, bad.statusCode());
    assertTrue(bad.body().contains("RAP-Agent-Capacity"), bad.body());
    assertEquals(400, poll("RAP-Agent-Id", "-bad id", "RAP-Agent-Capacity", "1").statusCode());

    // a look (capacity 0) claims nothing
    assertEquals(0, tasks(poll("RAP-Agent-Id", "a", "RAP-Agent-Capacity", "0")).size());
    JsonArray held = tasks(poll("RAP-Agent-Id", "a", "RAP-Agent-Capacity", "2"));
    assertEquals(1, held.size());
    JsonObject lease = held.getJsonObject(0).getJsonObject("lease");
    assertEquals("a", lease.getString("agent"));
    String token = String.valueOf(lease.getLong("token"));
    assertEquals(0, tasks(poll()).size(), "the agent without an id sees what nobody holds");
    assertEquals(0, tasks(poll("RAP-Agent-Id", "b", "RAP-Agent-Capacity", "2")).size());

    HttpResponse<String> ok = update("RAP-Agent-Id", "a", "RAP-Lease-Token", token);
    assertEquals(200, ok.statusCode(), ok.body());
    for (HttpResponse<String> refused :
        List.of(
            update("RAP-Agent-Id", "b", "RAP-Lease-Token", token),
            update("RAP-Agent-Id", "a", "RAP-Lease-Token", token + "1"),
            update("RAP-Agent-Id", "a"),
            update())) {
      assertEquals(409, refused.statusCode(), refused.body());
      JsonObject body = new JsonObject(refused.body());
      assertEquals("Lease lost", body.getString("error"));
      assertFalse(body.getString("details").isBlank());
    }
    assertEquals(400, update("RAP-Agent-Id", "a", "RAP-Lease-Token", "x").statusCode());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void anAgentOnOtherStorageIsRefused(String dialect) throws Exception {
    start(dialect);
    tasks(poll("RAP-Agent-Id", "a", "RAP-Agent-Capacity", "1", "RAP-Agent-Storage", "s1/s2"));
    HttpResponse<String> other =
        poll("RAP-Agent-Id", "b", "RAP-Agent-Capacity", "1", "RAP-Agent-Storage", "s3/s2");
    assertEquals(409, other.statusCode(), other.body());
    JsonObject body = new JsonObject(other.body());
    assertEquals("Storage mismatch", body.getString("error"));
    assertTrue(body.getString("details").contains("'a'"), body.encode());
    tasks(poll("RAP-Agent-Id", "c", "RAP-Agent-Capacity", "1", "RAP-Agent-Storage", "s1/s2"));
  }
}

package org.rap.controller.api.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Settings;
import org.rap.common.model.Flag;
import org.rap.common.model.Job;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;
import org.rap.common.tasks.TaskProtocol;
import org.rap.controller.ControllerContext;
import org.rap.controller.ControllerEvents;
import org.rap.controller.ControllerHttpVerticle;
import org.rap.controller.api.rap.RapService;
import org.rap.controller.db.Database;
import org.rap.testing.Eventually;
import org.rap.testing.Jobs;
import org.rap.testing.TestDatabases;

/** The task API over real HTTP on loopback, on both databases. */
@ExtendWith(VertxExtension.class)
class TaskApiTest {
  private Vertx vertx;
  private final HttpClient http = HttpClient.newHttpClient();
  private Database db;
  private ControllerContext ctx;
  private String base;
  private final List<JsonObject> updated = new CopyOnWriteArrayList<>();
  private final List<JsonObject> flagChanged = new CopyOnWriteArrayList<>();

  static List<String> dialects() {
    return TestDatabases.dialects();
  }

  @BeforeEach
  void vertx(Vertx vertx) {
    this.vertx = vertx; // closed by the extension after each test
  }

  private void start(String dialect) throws Exception {
    db = TestDatabases.open(vertx, dialect);
    ControllerConfig config =
        ControllerConfig.from(
            Settings.of(
                Map.of(
                    "BACKENDS",
                    "test,tpp",
                    "CONTROLLER_HOST",
                    "127.0.0.1",
                    "CONTROLLER_PORT",
                    "0",
                    "TEST_JOB_SERVER_TOKEN",
                    "test-token",
                    "TPP_JOB_SERVER_TOKEN",
                    "tpp-token",
                    "LONG_POLL_MAX_SECONDS",
                    "30")));
    ctx = ControllerContext.of(config, db);
    ControllerHttpVerticle verticle =
        new ControllerHttpVerticle(
            ctx,
            new RapService(
                vertx,
                ctx,
                request ->
                    Future.failedFuture(
                        new IllegalStateException("no job creation in task API tests"))));
    vertx.deployVerticle(verticle).await();
    base = "http://127.0.0.1:" + verticle.port();
    vertx
        .eventBus()
        .<JsonObject>consumer(ControllerEvents.TASK_UPDATED, m -> updated.add(m.body()));
    vertx
        .eventBus()
        .<JsonObject>consumer(ControllerEvents.FLAG_CHANGED, m -> flagChanged.add(m.body()));
  }

  private Task insert(String id, String backend, TaskType type, long createdAt) {
    return inserted(id, backend, type, createdAt).await();
  }

  private Future<Task> inserted(String id, String backend, TaskType type, long createdAt) {
    Task t =
        new Task(
            id,
            backend,
            type,
            new JsonObject().put("k", id),
            new JsonObject().put("user", "u"),
            createdAt,
            true,
            null,
            null);
    return ctx.tasks().insert(db.pool(), t, type.isJobTask() ? id.split("-")[0] : null).map(t);
  }

  /** A long poll, sent without waiting for its answer. */
  private Future<HttpResponse<String>> poll(String query) {
    return Future.fromCompletionStage(
        http.sendAsync(
            HttpRequest.newBuilder(URI.create(base + "/test/tasks/?" + query))
                .header("Authorization", "test-token")
                .build(),
            HttpResponse.BodyHandlers.ofString()),
        vertx.getOrCreateContext());
  }

  /** A task of {@code backend} is created: in the database, then announced. */
  private Future<Void> created(String id, String backend, long createdAt) {
    return inserted(id, backend, TaskType.RUNJOB, createdAt)
        .onSuccess(t -> ControllerEvents.taskCreated(vertx.eventBus(), backend, id))
        .mapEmpty();
  }

  /** After {@code ms}, checks that {@code poll} is still held. */
  private Future<Void> stillHeld(
      VertxTestContext test, Future<HttpResponse<String>> poll, long ms, String why) {
    return vertx
        .timer(ms)
        .map(
            t -> {
              test.verify(() -> assertFalse(poll.isComplete(), why));
              return null;
            });
  }

  private HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
    if (token != null) {
      b.header("Authorization", token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> postForm(String backend, String token, String payload)
      throws Exception {
    String body =
        payload == null
            ? "other=1"
            : "payload=" + URLEncoder.encode(payload, StandardCharsets.UTF_8);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + "/" + backend + "/task/update/"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject json(HttpResponse<String> r) {
    return new JsonObject(r.body());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void authOrderAndErrorBodies(String dialect) throws Exception {
    start(dialect);
    HttpResponse<String> r = get("/nope/tasks/", null);
    assertEquals(404, r.statusCode());
    assertEquals(
        new JsonObject().put("error", "Not found").put("details", "Backend 'nope' not found"),
        json(r));
    r = get("/test/tasks/", null);
    assertEquals(401, r.statusCode());
    assertEquals(
        new JsonObject().put("error", "Unauthorized").put("details", "No token provided"), json(r));
    r = get("/test/tasks/", "");
    assertEquals(401, r.statusCode());
    r = get("/test/tasks/", "tpp-token");
    assertEquals(401, r.statusCode());
    assertEquals(
        new JsonObject()
            .put("error", "Unauthorized")
            .put("details", "Invalid token for backend 'test'"),
        json(r));
    r = postForm("nope", "x", "{}");
    assertEquals(404, r.statusCode());
    r = postForm("test", null, "{}");
    assertEquals(401, r.statusCode());
    r = get("/test/task/update/", "test-token");
    assertEquals(405, r.statusCode());
    assertEquals(200, get("/", null).statusCode());
    assertEquals(new JsonObject().put("method", "GET"), json(get("/", null)));
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void listsActiveTasksOfTheBackendDbStatusFirstAndStampsLastSeen(String dialect) throws Exception {
    start(dialect);
    insert("jobaaaaaaaaaaaa1-001", "test", TaskType.RUNJOB, 10);
    insert("dbstatus-2026-01-01-aaaa", "test", TaskType.DBSTATUS, 20);
    insert("jobbbbbbbbbbbbb1-001", "tpp", TaskType.RUNJOB, 5);
    Task inactive = insert("jobccccccccccccc1-001", "test", TaskType.RUNJOB, 1);
    ctx.tasks().deactivate(db.pool(), inactive.id(), 2L).await();

    HttpResponse<String> r = get("/test/tasks/", "test-token");
    assertEquals(200, r.statusCode());
    JsonArray tasks = json(r).getJsonArray("tasks");
    assertEquals(2, tasks.size());
    assertEquals("dbstatus-2026-01-01-aaaa", tasks.getJsonObject(0).getString("id"));
    JsonObject run = tasks.getJsonObject(1);
    assertEquals(
        new JsonObject()
            .put("id", "jobaaaaaaaaaaaa1-001")
            .put("backend", "test")
            .put("type", "runjob")
            .put("definition", new JsonObject().put("k", "jobaaaaaaaaaaaa1-001"))
            .put("attributes", new JsonObject().put("user", "u"))
            .put("created_at", 10),
        run);

    Flag seen = ctx.flags().get(db.pool(), "test", "last-seen-at").await().orElseThrow();
    assertTrue(
        seen.value().matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{6})?\\+00:00"),
        seen.value());
    long first = seen.timestampMicros();
    get("/test/tasks/", "test-token");
    assertTrue(
        ctx.flags().get(db.pool(), "test", "last-seen-at").await().orElseThrow().timestampMicros()
            >= first);
    assertTrue(ctx.flags().get(db.pool(), "tpp", "last-seen-at").await().isEmpty());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void updatesStoreAgentStateAndPublish(String dialect) throws Exception {
    start(dialect);
    insert("jobaaaaaaaaaaaa1-001", "test", TaskType.RUNJOB, 10);
    HttpResponse<String> r =
        postForm(
            "test",
            "test-token",
            "{\"task_id\": \"jobaaaaaaaaaaaa1-001\", \"stage\": \"executing\", \"results\": {}, \"complete\": false, \"timestamp_ns\": 123456789}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(new JsonObject().put("response", "Update successful"), json(r));
    Task t = ctx.tasks().findById(db.pool(), "jobaaaaaaaaaaaa1-001").await().orElseThrow();
    assertEquals("executing", t.agentStage());
    assertEquals(123456789L, t.agentTimestampNs());
    assertTrue(t.active());

    // JSON body, empty timestamp keeps the stored one, complete deactivates
    HttpResponse<String> j =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/test/task/update/"))
                .header("Authorization", "test-token")
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        new JsonObject()
                            .put("task_id", "jobaaaaaaaaaaaa1-001")
                            .put("stage", "finalized")
                            .put(
                                "results", new JsonObject().put("exit_code", 0).put("error", false))
                            .put("complete", true)
                            .put("timestamp_ns", "")
                            .encode()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, j.statusCode(), j.body());
    t = ctx.tasks().findById(db.pool(), "jobaaaaaaaaaaaa1-001").await().orElseThrow();
    assertFalse(t.active());
    assertTrue(t.isAgentComplete());
    assertEquals(123456789L, t.agentTimestampNs());
    assertEquals(0, t.agentResults().getInteger("exit_code"));

    // a finalized report with large results (container metadata, metrics) in the form field
    insert("jobddddddddddddd1-001", "test", TaskType.RUNJOB, 11);
    JsonObject big =
        new JsonObject()
            .put("exit_code", 0)
            .put("error", false)
            .put("container_metadata", new JsonObject().put("Env", "x".repeat(200_000)));
    r =
        postForm(
            "test",
            "test-token",
            new JsonObject()
                .put("task_id", "jobddddddddddddd1-001")
                .put("stage", "finalized")
                .put("results", big)
                .put("complete", true)
                .put("timestamp_ns", 5)
                .encode());
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(
        200_000,
        ctx.tasks()
            .findById(db.pool(), "jobddddddddddddd1-001")
            .await()
            .orElseThrow()
            .agentResults()
            .getJsonObject("container_metadata")
            .getString("Env")
            .length());
    waitFor(() -> updated.size() == 3);
    assertEquals(
        new JsonObject().put("backend", "test").put("task_id", "jobaaaaaaaaaaaa1-001"),
        updated.get(0));
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void aRunJobUpdateCopiesItsJobMetricsToTheJobAndACancelJobUpdateDoesNot(String dialect)
      throws Exception {
    start(dialect);
    Job job = Jobs.pending("rap0000000000042", "a", "test", "ws", 10);
    ctx.jobs().insertAll(db.pool(), List.of(job)).await();
    insert(job.id() + "-001", "test", TaskType.RUNJOB, 10);
    insert(job.id() + "-cancel", "test", TaskType.CANCELJOB, 11);
    JsonObject metrics = new JsonObject().put("cpu_peak", 12.5).put("mem_mb_peak", 100);
    HttpResponse<String> r =
        postForm(
            "test",
            "test-token",
            new JsonObject()
                .put("task_id", job.id() + "-001")
                .put("stage", "executing")
                .put("results", new JsonObject().put("job_metrics", metrics))
                .put("complete", false)
                .put("timestamp_ns", 1)
                .encode());
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(metrics, jobMetrics(job.id()));
    r =
        postForm(
            "test",
            "test-token",
            new JsonObject()
                .put("task_id", job.id() + "-cancel")
                .put("stage", "finalized")
                .put("results", new JsonObject().put("job_metrics", new JsonObject().put("x", 1)))
                .put("complete", true)
                .put("timestamp_ns", 2)
                .encode());
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(metrics, jobMetrics(job.id()));
  }

  private JsonObject jobMetrics(String jobId) {
    String text =
        db.pool()
            .preparedQuery(
                db.isSqlite()
                    ? "SELECT metrics FROM job WHERE id = ?"
                    : "SELECT metrics FROM job WHERE id = $1")
            .execute(Tuple.of(jobId))
            .await()
            .iterator()
            .next()
            .getString(0);
    return text == null ? null : new JsonObject(text);
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void unknownTasksOtherBackendsAndMalformedPayloads(String dialect) throws Exception {
    start(dialect);
    insert("jobbbbbbbbbbbbb1-001", "tpp", TaskType.RUNJOB, 5);
    HttpResponse<String> r =
        postForm(
            "test",
            "test-token",
            "{\"task_id\": \"nope-001\", \"stage\": \"executing\", \"complete\": false, \"timestamp_ns\": null}");
    assertEquals(500, r.statusCode());
    assertEquals(new JsonObject().put("error", "Error updating task"), json(r));
    r =
        postForm(
            "test",
            "test-token",
            "{\"task_id\": \"jobbbbbbbbbbbbb1-001\", \"stage\": \"executing\", \"complete\": true, \"timestamp_ns\": null}");
    assertEquals(404, r.statusCode());
    assertEquals("Not found", json(r).getString("error"));
    Task untouched = ctx.tasks().findById(db.pool(), "jobbbbbbbbbbbbb1-001").await().orElseThrow();
    assertTrue(untouched.active());
    assertEquals(null, untouched.agentStage());

    r = postForm("test", "test-token", null);
    assertEquals(400, r.statusCode());
    assertEquals(
        new JsonObject()
            .put("error", "Invalid payload")
            .put("details", "Missing form field 'payload'"),
        json(r));
    r = postForm("test", "test-token", "{not json");
    assertEquals(400, r.statusCode());
    assertTrue(json(r).getString("details").startsWith("'payload' is not valid JSON"));
    r = postForm("test", "test-token", "{\"stage\": \"x\", \"complete\": true}");
    assertEquals(400, r.statusCode());
    assertEquals(
        "'task_id' is required and must be a non-empty string", json(r).getString("details"));
    r = postForm("test", "test-token", "{\"task_id\": \"a\", \"stage\": \"x\"}");
    assertEquals("'complete' is required and must be true or false", json(r).getString("details"));
    r =
        postForm(
            "test",
            "test-token",
            "{\"task_id\": \"a\", \"stage\": \"x\", \"complete\": true, \"results\": [1]}");
    assertEquals("'results' must be an object or null", json(r).getString("details"));
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void dbStatusResultsSetModeUnlessManual(String dialect) throws Exception {
    start(dialect);
    insert("dbstatus-1", "tpp", TaskType.DBSTATUS, 1);
    insert("dbstatus-2", "tpp", TaskType.DBSTATUS, 2);
    insert("dbstatus-3", "tpp", TaskType.DBSTATUS, 3);
    String maint =
        "{\"task_id\": \"%s\", \"stage\": \"\", \"complete\": true, \"timestamp_ns\": null,"
            + " \"results\": {\"results\": {\"status\": \"%s\"}, \"error\": null}}";
    assertEquals(
        200,
        postForm("tpp", "tpp-token", String.format(maint, "dbstatus-1", "db-maintenance"))
            .statusCode());
    assertEquals(
        "db-maintenance", ctx.flags().get(db.pool(), "tpp", "mode").await().orElseThrow().value());
    waitFor(() -> flagChanged.size() == 1);
    assertEquals(new JsonObject().put("backend", "tpp").put("flag", "mode"), flagChanged.get(0));

    ctx.flags().set(db.pool(), "tpp", "manual-db-maintenance", "on").await();
    assertEquals(
        200, postForm("tpp", "tpp-token", String.format(maint, "dbstatus-2", "")).statusCode());
    assertEquals(
        "db-maintenance",
        ctx.flags().get(db.pool(), "tpp", "mode").await().orElseThrow().value(),
        "manual mode pins it");

    ctx.flags().set(db.pool(), "tpp", "manual-db-maintenance", null).await();
    assertEquals(
        200, postForm("tpp", "tpp-token", String.format(maint, "dbstatus-3", "")).statusCode());
    assertEquals("", ctx.flags().get(db.pool(), "tpp", "mode").await().orElseThrow().value());
    // a repeated report on an already completed DBSTATUS task does not change the mode
    assertEquals(
        200,
        postForm("tpp", "tpp-token", String.format(maint, "dbstatus-1", "db-maintenance"))
            .statusCode());
    assertEquals("", ctx.flags().get(db.pool(), "tpp", "mode").await().orElseThrow().value());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void longPollAnswersAtOnceWhenTasksExistElseWhenOneIsCreated(
      String dialect, VertxTestContext test) throws Exception {
    start(dialect);
    // no wait: returns at once even when empty
    assertEquals(new JsonArray(), json(get("/test/tasks/", "test-token")).getJsonArray("tasks"));
    // wait expires: the current (empty) list
    assertEquals(
        new JsonArray(), json(get("/test/tasks/?wait=0.2", "test-token")).getJsonArray("tasks"));
    assertEquals(400, get("/test/tasks/?wait=soon", "test-token").statusCode());

    Future<HttpResponse<String>> waiting = poll("wait=25");
    Eventually.untilAsync(vertx, "the poll's last-seen stamp", () -> lastSeenAsync("test"))
        .compose(v -> stillHeld(test, waiting, 200, "holds while there are no tasks"))
        // a task for another backend does not answer it
        .compose(v -> created("jobbbbbbbbbbbbb1-001", "tpp", 5))
        .compose(v -> stillHeld(test, waiting, 200, "another backend's task"))
        .compose(v -> created("jobaaaaaaaaaaaa1-001", "test", 10))
        .compose(v -> waiting)
        .compose(
            r -> {
              test.verify(
                  () -> {
                    assertEquals(200, r.statusCode());
                    assertEquals(
                        "jobaaaaaaaaaaaa1-001",
                        json(r).getJsonArray("tasks").getJsonObject(0).getString("id"));
                  });
              // with tasks present a long poll answers at once
              return poll("wait=25");
            })
        .onComplete(
            test.succeeding(
                immediate ->
                    test.verify(
                        () -> {
                          assertEquals(1, json(immediate).getJsonArray("tasks").size());
                          test.completeNow();
                        })));
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void aLongPollSendingTheKnownVersionIsHeldUntilTheListChanges(
      String dialect, VertxTestContext test) throws Exception {
    start(dialect);
    insert("jobaaaaaaaaaaaa1-001", "test", TaskType.RUNJOB, 10);
    HttpResponse<String> first = get("/test/tasks/?wait=25", "test-token");
    String version = first.headers().firstValue(TaskProtocol.VERSION_HEADER).orElseThrow();
    assertEquals(1, json(first).getJsonArray("tasks").size());
    // a stale version: answered at once with the current list
    HttpResponse<String> stale = get("/test/tasks/?wait=25&known=other", "test-token");
    assertEquals(version, stale.headers().firstValue(TaskProtocol.VERSION_HEADER).orElseThrow());
    // the known version: held although a task is active, until a task is created
    Future<HttpResponse<String>> held = poll("wait=25&known=" + version);
    stillHeld(test, held, 300, "holds while the list is the one the agent has")
        .compose(v -> created("jobccccccccccccc1-001", "test", 11))
        .compose(v -> held)
        .compose(
            r -> {
              String now = r.headers().firstValue(TaskProtocol.VERSION_HEADER).orElseThrow();
              test.verify(
                  () -> {
                    assertEquals(2, json(r).getJsonArray("tasks").size());
                    assertFalse(version.equals(now));
                  });
              // the wait expiring answers the unchanged list
              return poll("wait=0.2&known=" + now);
            })
        .onComplete(
            test.succeeding(
                expired ->
                    test.verify(
                        () -> {
                          assertEquals(2, json(expired).getJsonArray("tasks").size());
                          test.completeNow();
                        })));
  }

  private Future<Boolean> lastSeenAsync(String backend) {
    return ctx.flags().get(db.pool(), backend, "last-seen-at").map(Optional::isPresent);
  }

  private static void waitFor(BooleanSupplier cond) throws InterruptedException {
    for (int i = 0; i < 200 && !cond.getAsBoolean(); i++) {
      Thread.sleep(25);
    }
    assertTrue(cond.getAsBoolean(), "condition not reached");
  }
}

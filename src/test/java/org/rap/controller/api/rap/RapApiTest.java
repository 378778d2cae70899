package org.rap.controller.api.rap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;
import org.rap.common.tasks.TaskUpdate;
import org.rap.controller.ControllerEvents;
import org.rap.controller.api.tasks.TaskReports;
import org.rap.controller.db.TaskRepository;
import org.rap.testing.Jobs;
import org.rap.testing.TestDatabases;

/**
 * The RAP API over real HTTP on both databases; every response is checked against both contracts.
 */
class RapApiTest {
  static final String CREATE = "/controller/v1/rap/create/";
  static final String CANCEL = "/controller/v1/rap/cancel/";
  static final String STATUS = "/controller/v1/rap/status/";
  static final String BACKENDS = "/controller/v1/backend/status/";
  static final String RAP = "abcdefgh23456789";
  static final String COMMIT = "07d5f283bb66f52a49933b016cf8dc144cfc7180";

  private RapApiServer server;

  static List<String> dialects() {
    return TestDatabases.dialects();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  static JsonObject createBody(String rapId, String backend, String... actions) {
    return new JsonObject()
        .put("backend", backend)
        .put("rap_id", rapId)
        .put("workspace", "my-study")
        .put("repo_url", "https://github.com/opensafely/my-study")
        .put("branch", "main")
        .put("commit", COMMIT)
        .put("database_name", "default")
        .put("requested_actions", new JsonArray(List.of((Object[]) actions)))
        .put("codelists_ok", true)
        .put("force_run_dependencies", false)
        .put("created_by", "alice")
        .put("project", "my-project")
        .put("orgs", new JsonArray().add("opensafely"))
        .put("analysis_scope", new JsonObject());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void authenticationAndMethodChecks(String dialect) throws Exception {
    server = new RapApiServer(dialect);
    JsonObject valid = new JsonObject().put("rap_ids", new JsonArray());
    for (String path : List.of(CREATE, CANCEL, STATUS)) {
      var r = server.post(path, null, valid);
      assertEquals(401, r.status());
      assertEquals(
          new JsonObject().put("error", "Unauthorized").put("details", "No token provided"),
          r.json());
      r = server.post(path, "", valid);
      assertEquals("No token provided", r.json().getString("details"));
      r = server.post(path, "nope", valid);
      assertEquals(
          new JsonObject().put("error", "Unauthorized").put("details", "Invalid token"), r.json());
      // auth is checked before the body is parsed
      r = server.post(path, "nope", "{not json");
      assertEquals(401, r.status());
      // method before auth; 405 with a JSON error body
      r = server.get(path, null);
      assertEquals(405, r.status());
      assertEquals("Method not allowed", r.json().getString("error"));
      assertTrue(r.json().containsKey("details"));
    }
    var r = server.get(BACKENDS, null);
    assertEquals(401, r.status());
    r = server.get(BACKENDS, "wrong");
    assertEquals("Invalid token", r.json().getString("details"));
    r = server.post(BACKENDS, "tok-test", new JsonObject());
    assertEquals(405, r.status());
    for (HttpMethod m : List.of(HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.PATCH)) {
      assertEquals(405, server.call(m, STATUS, "tok-test", Buffer.buffer("{}"), Map.of()).status());
    }
    // raw token and Bearer token both work; no trailing slash works too
    assertEquals(200, server.get(BACKENDS, "tok-test").status());
    assertEquals(200, server.get(BACKENDS, "Bearer tok-test").status());
    assertEquals(200, server.post("/controller/v1/rap/status", "tok-test", valid).status());
    // unknown API path: JSON 404
    r = server.get("/controller/v1/nothing/", "tok-test");
    assertEquals(404, r.status());
    assertTrue(r.json().containsKey("details"));
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void validationErrors(String dialect) throws Exception {
    server = new RapApiServer(dialect);
    JsonObject noRap = createBody(RAP, "test", "a");
    noRap.remove("rap_id");
    assertValidation(
        server.post(CREATE, "tok-test", noRap),
        "Invalid request body received: 'rap_id' is a required property");
    assertValidation(
        server.post(STATUS, "tok-test", new JsonObject()),
        "Invalid request body received: 'rap_ids' is a required property");
    assertValidation(
        server.post(CREATE, "tok-test", new JsonObject()),
        "Invalid request body received: 'backend' is a required property");
    JsonObject late = createBody(RAP, "test", "a");
    late.remove("orgs");
    late.remove("created_by");
    assertValidation(
        server.post(CREATE, "tok-test", late),
        "Invalid request body received: 'created_by' is a required property");
    // the error nearest the root wins
    assertValidation(
        server.post(CREATE, "tok-test", late.copy().put("rap_id", "BAD")),
        "Invalid request body received: 'created_by' is a required property");
    assertValidation(
        server.post(
            CREATE,
            "tok-test",
            createBody(RAP, "test", "a")
                .put(
                    "analysis_scope",
                    new JsonObject().put("dataset_permissions", new JsonArray().add("nope")))),
        "Invalid request body received at $.analysis_scope.dataset_permissions[0]: 'nope' is not one of ['appointments', 'icnarc', 'isaric', 'open_prompt', 'ukrr', 'waiting_list', 'sgss_covid_all_tests', 'occupation_on_covid_vaccine_record', 'covid_therapeutics']");
    assertValidation(
        server.post(CREATE, "tok-test", createBody(RAP, "test", "a").put("analysis_scope", "x")),
        "Invalid request body received at $.analysis_scope: 'x' is not of type 'object', 'null'");
    assertValidation(
        server.post(CREATE, "tok-test", createBody(RAP, "test")),
        "Invalid request body received at $.requested_actions: [] should be non-empty");
    assertValidation(
        server.post(
            CANCEL,
            "tok-test",
            new JsonObject().put("rap_id", RAP).put("actions", new JsonArray())),
        "Invalid request body received at $.actions: [] should be non-empty");
    assertValidation(
        server.post(
            CANCEL,
            "tok-test",
            new JsonObject().put("rap_id", "SHORT").put("actions", new JsonArray().add("a"))),
        "Invalid request body received at $.rap_id: 'SHORT' does not match '^[a-z0-9]{16}$'");
    assertValidation(
        server.post(CREATE, "tok-test", createBody(RAP, "test", "a").put("database_name", "other")),
        "Invalid request body received at $.database_name: 'other' is not one of ['default']");
    assertValidation(
        server.post(CREATE, "tok-test", createBody(RAP, "test", "a").put("codelists_ok", "yes")),
        "Invalid request body received at $.codelists_ok: 'yes' is not of type 'boolean'");
    assertValidation(
        server.post(STATUS, "tok-test", new JsonObject().put("rap_ids", new JsonArray().add(5))),
        "Invalid request body received at $.rap_ids[0]: 5 is not of type 'string'");
    assertValidation(
        server.post(STATUS, "tok-test", (Object) "[1, 2]"),
        "Invalid request body received: [1, 2] is not of type 'object'");
    String unparseable = "could not parse JSON from request body";
    assertValidation(server.post(STATUS, "tok-test", (Object) "{\"rap_ids\": ["), unparseable);
    assertValidation(server.post(STATUS, "tok-test", (Object) ""), unparseable);
    assertValidation(server.post(CREATE, "tok-test", (Object) "not json at all"), unparseable);
    // no or another content type: still parsed as JSON (job-server's reference parses the body)
    var r =
        server.call(
            HttpMethod.POST,
            STATUS,
            "tok-test",
            Buffer.buffer("{\"rap_ids\": []}"),
            Map.of("Content-Type", "text/plain"));
    assertEquals(200, r.status());
    r =
        server.call(
            HttpMethod.POST, STATUS, "tok-test", Buffer.buffer("{\"rap_ids\": []}"), Map.of());
    assertEquals(200, r.status());
    // analysis_scope may be null; extra request keys are allowed
    r =
        server.post(
            CREATE,
            "tok-test",
            createBody(RAP, "test", "a").put("analysis_scope", (Object) null).put("extra", 1));
    assertEquals(201, r.status());
  }

  private static void assertValidation(RapApiServer.Reply r, String details) {
    assertEquals(400, r.status(), r.raw().toString());
    assertEquals(
        new JsonObject().put("error", "Validation error").put("details", details), r.json());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void createIsIdempotentAndScoped(String dialect) throws Exception {
    server = new RapApiServer(dialect);
    List<JsonObject> created = new CopyOnWriteArrayList<>();
    server
        .vertx
        .eventBus()
        .<JsonObject>consumer(ControllerEvents.JOB_CREATED, m -> created.add(m.body()));
    var r = server.post(CREATE, "tok-test", createBody(RAP, "test", "generate_dataset", "analyse"));
    assertEquals(201, r.status());
    assertEquals(
        new JsonObject()
            .put("result", "Success")
            .put("details", "Jobs created for rap_id '" + RAP + "'")
            .put("rap_id", RAP)
            .put("count", 2),
        r.json());
    assertEquals(
        2, server.ctx().jobs().findByRapIds(server.ctx().db().pool(), List.of(RAP)).await().size());

    // replay: No change, with the existing count, without calling the creator again
    int calls = server.creator.get().calls.get();
    r = server.post(CREATE, "tok-test", createBody(RAP, "test", "generate_dataset"));
    assertEquals(200, r.status());
    assertEquals(
        new JsonObject()
            .put("result", "No change")
            .put("details", "Jobs already created for rap_id '" + RAP + "'")
            .put("rap_id", RAP)
            .put("count", 2),
        r.json());
    assertEquals(calls, server.creator.get().calls.get());

    // inconsistent replay
    r = server.post(CREATE, "tok-test", createBody(RAP, "test", "a").put("commit", "b".repeat(40)));
    assertEquals(400, r.status());
    assertEquals(
        new JsonObject()
            .put("error", "Inconsistent request data")
            .put(
                "details",
                "Jobs already created for rap_id '" + RAP + "' are inconsistent with request data"),
        r.json());

    // a backend the token may not use: deliberately vague
    r = server.post(CREATE, "tok-test", createBody("bbbbbbbbbbbbbbbb", "tpp", "a"));
    assertEquals(
        new JsonObject().put("error", "Error creating jobs").put("details", "Unknown error"),
        r.json());
    assertEquals(400, r.status());
    r = server.post(CREATE, "tok-tpp", createBody("bbbbbbbbbbbbbbbb", "tpp", "a"));
    assertEquals(201, r.status());
    r = server.post(CREATE, "tok-all", createBody("cccccccccccccccc", "test", "a"));
    assertEquals(201, r.status());

    // creator outcomes
    r = server.post(CREATE, "tok-test", createBody("dddddddddddddddd", "test", "fail_known"));
    assertEquals(
        new JsonObject()
            .put("error", "Error creating jobs")
            .put("details", FakeJobCreator.KNOWN_ERROR),
        r.json());
    r = server.post(CREATE, "tok-test", createBody("dddddddddddddddd", "test", "fail_unknown"));
    assertEquals(
        new JsonObject().put("error", "Error creating jobs").put("details", "Unknown error"),
        r.json());
    assertTrue(
        server
            .ctx()
            .jobs()
            .findByRapIds(server.ctx().db().pool(), List.of("dddddddddddddddd"))
            .await()
            .isEmpty());
    r =
        server.post(
            CREATE, "tok-test", createBody("dddddddddddddddd", "test", "nothing_succeeded"));
    assertEquals(200, r.status());
    assertEquals(
        new JsonObject()
            .put("result", "Nothing to do")
            .put("details", "All actions have already completed successfully")
            .put("rap_id", "dddddddddddddddd")
            .put("count", 0),
        r.json());
    r =
        server.post(
            CREATE, "tok-test", createBody("dddddddddddddddd", "test", "nothing_scheduled"));
    assertEquals(
        "All requested actions were already scheduled to run", r.json().getString("details"));
    assertEquals(0, r.json().getInteger("count"));

    // another process inserted the same jobs first: the primary key clash is a replay
    r = server.post(CREATE, "tok-test", createBody("eeeeeeeeeeeeeeee", "test", "race", "other"));
    assertEquals(200, r.status(), r.raw().toString());
    assertEquals("No change", r.json().getString("result"));
    assertEquals(2, r.json().getInteger("count"));
    assertFalse(created.isEmpty());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void concurrentCreatesOfOneRapCreateOnce(String dialect) throws Exception {
    server = new RapApiServer(dialect);
    List<Future<HttpResponse<Buffer>>> calls = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      calls.add(
          server
              .client
              .post(CREATE)
              .putHeader("Authorization", "tok-test")
              .sendBuffer(createBody(RAP, "test", "a", "b", "c").toBuffer()));
    }
    Future.all(calls).await();
    int created = 0;
    for (var f : calls) {
      var resp = f.result();
      assertTrue(resp.statusCode() == 200 || resp.statusCode() == 201, resp.bodyAsString());
      JsonObject body = resp.bodyAsJsonObject();
      assertEquals(3, body.getInteger("count"));
      if (resp.statusCode() == 201) {
        created++;
      } else {
        assertEquals("No change", body.getString("result"));
      }
    }
    assertEquals(1, created);
    assertEquals(
        3, server.ctx().jobs().findByRapIds(server.ctx().db().pool(), List.of(RAP)).await().size());
  }

  private void insert(Job... jobs) {
    server.ctx().db().inTransaction(c -> server.ctx().jobs().insertAll(c, List.of(jobs))).await();
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void cancel(String dialect) throws Exception {
    server = new RapApiServer(dialect);
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    server
        .vertx
        .eventBus()
        .<JsonObject>consumer(ControllerEvents.JOB_CANCELLED, m -> events.add(m.body()));
    insert(
        Jobs.pending(RAP, "generate", "test", "ws", 100),
        Jobs.pending(RAP, "analyse", "test", "ws", 101),
        Jobs.pending(RAP, "report", "test", "ws", 102),
        Jobs.pending("tppjobs000000000", "generate", "tpp", "ws", 100));

    var r =
        server.post(
            CANCEL,
            "tok-test",
            new JsonObject()
                .put("rap_id", "zzzzzzzzzzzzzzzz")
                .put("actions", new JsonArray().add("a")));
    assertEquals(404, r.status());
    assertEquals(
        new JsonObject()
            .put("error", "jobs not found")
            .put("details", "No jobs found for rap_id zzzzzzzzzzzzzzzz")
            .put("rap_id", "zzzzzzzzzzzzzzzz"),
        r.json());
    // jobs of another backend do not exist for this token
    r =
        server.post(
            CANCEL,
            "tok-test",
            new JsonObject()
                .put("rap_id", "tppjobs000000000")
                .put("actions", new JsonArray().add("generate")));
    assertEquals(404, r.status());
    assertEquals("No jobs found for rap_id tppjobs000000000", r.json().getString("details"));

    r =
        server.post(
            CANCEL,
            "tok-test",
            new JsonObject()
                .put("rap_id", RAP)
                .put("actions", new JsonArray().add("zeta").add("generate").add("alpha")));
    assertEquals(404, r.status());
    assertEquals(
        new JsonObject()
            .put("error", "jobs not found")
            .put(
                "details",
                "Jobs matching requested cancelled actions could not be found: alpha,zeta")
            .put("rap_id", RAP)
            .put("not_found", new JsonArray().add("alpha").add("zeta")),
        r.json());
    assertTrue(events.isEmpty());
    for (Job j : server.ctx().jobs().findByRapIds(server.ctx().db().pool(), List.of(RAP)).await()) {
      assertFalse(j.cancelled());
    }

    r =
        server.post(
            CANCEL,
            "tok-test",
            new JsonObject().put("rap_id", RAP).put("actions", new JsonArray().add("generate")));
    assertEquals(200, r.status());
    assertEquals(
        new JsonObject()
            .put("result", "Success")
            .put("details", "1 actions cancelled")
            .put("count", 1),
        r.json());
    r =
        server.post(
            CANCEL,
            "tok-all",
            new JsonObject()
                .put("rap_id", RAP)
                .put("actions", new JsonArray().add("analyse").add("report")));
    assertEquals(
        new JsonObject()
            .put("result", "Success")
            .put("details", "2 actions cancelled")
            .put("count", 2),
        r.json());
    for (Job j : server.ctx().jobs().findByRapIds(server.ctx().db().pool(), List.of(RAP)).await()) {
      assertTrue(j.cancelled(), j.action());
      assertTrue(j.completedAt() != null);
    }
    assertEquals(new JsonObject().put("backend", "test").put("rap_id", RAP), events.get(0));
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void status(String dialect) throws Exception {
    server = new RapApiServer(dialect);
    var r = server.post(STATUS, "tok-test", new JsonObject().put("rap_ids", new JsonArray()));
    assertEquals(
        new JsonObject().put("jobs", new JsonArray()).put("unrecognised_rap_ids", new JsonArray()),
        r.json());

    Job running =
        Jobs.pending(RAP, "generate_dataset", "test", "ws", 1769851646L)
            .withStatus(
                State.RUNNING,
                StatusCode.EXECUTING,
                "Job executing on the backend",
                1769851862L,
                1769851651L,
                null,
                1L);
    Job plain = Jobs.pending(RAP, "analyse", "test", "ws", 1769851647L);
    Job other = Jobs.pending("tppjobs000000000", "generate", "tpp", "ws", 100);
    String awkward =
        "Quote \" backslash \\ newline \n tab \t ctrl \u0001 caf\u00e9 \u2713 </script>";
    Job odd =
        Jobs.pending(RAP, "odd", "test", "ws", 1769851648L)
            .withStatus(
                State.FAILED, StatusCode.NONZERO_EXIT, awkward, 1769851862L, null, 1769851862L, 2L);
    insert(running, plain, other, odd);
    TaskRepository tasks = server.ctx().tasks();
    var pool = server.ctx().db().pool();
    Task t1 =
        new Task(
            running.id() + "-001",
            "test",
            TaskType.RUNJOB,
            new JsonObject(),
            new JsonObject(),
            10,
            true,
            null,
            null);
    Task t2 =
        new Task(
            running.id() + "-002",
            "test",
            TaskType.RUNJOB,
            new JsonObject(),
            new JsonObject(),
            11,
            true,
            null,
            null);
    tasks.insert(pool, t1, running.id()).await();
    tasks.insert(pool, t2, running.id()).await();
    JsonObject metrics =
        new JsonObject()
            .put("cpu_mean", 97.5)
            .put("cpu_peak", 101.2)
            .put("mem_mb_mean", 812.4)
            .put("mem_mb_peak", 1024.0);
    new TaskReports(server.vertx, server.ctx())
        .store(
            "test",
            new TaskUpdate(
                t1.id(),
                "executing",
                new JsonObject().put("job_metrics", new JsonObject().put("old", 1)),
                false,
                1L),
            12)
        .await();
    new TaskReports(server.vertx, server.ctx())
        .store(
            "test",
            new TaskUpdate(
                t2.id(), "executing", new JsonObject().put("job_metrics", metrics), false, 2L),
            12)
        .await();
    // a late report on the earlier attempt does not replace the latest attempt's metrics
    new TaskReports(server.vertx, server.ctx())
        .store(
            "test",
            new TaskUpdate(
                t1.id(),
                "executing",
                new JsonObject().put("job_metrics", new JsonObject().put("stale", 1)),
                false,
                3L),
            12)
        .await();

    r =
        server.post(
            STATUS,
            "tok-test",
            new JsonObject()
                .put(
                    "rap_ids",
                    new JsonArray().add(RAP).add("tppjobs000000000").add("zzzzzzzzzzzzzzzz")));
    assertEquals(200, r.status());
    JsonObject body = r.json();
    assertEquals(Set.of("jobs", "unrecognised_rap_ids"), body.fieldNames());
    assertEquals(
        Set.of("tppjobs000000000", "zzzzzzzzzzzzzzzz"),
        Set.copyOf(body.getJsonArray("unrecognised_rap_ids").getList()));
    JsonArray jobs = body.getJsonArray("jobs");
    assertEquals(3, jobs.size());
    JsonObject gen = null;
    JsonObject ana = null;
    JsonObject oddView = null;
    for (Object o : jobs) {
      JsonObject j = (JsonObject) o;
      assertEquals(
          Set.of(
              "identifier",
              "rap_id",
              "backend",
              "action",
              "run_command",
              "status",
              "status_code",
              "status_message",
              "created_at",
              "updated_at",
              "started_at",
              "completed_at",
              "trace_context",
              "metrics",
              "requires_db"),
          j.fieldNames());
      if (j.getString("action").equals("generate_dataset")) {
        gen = j;
      } else if (j.getString("action").equals("odd")) {
        oddView = j;
      } else {
        ana = j;
      }
    }
    assertEquals(running.id(), gen.getString("identifier"));
    assertEquals("running", gen.getString("status"));
    assertEquals("executing", gen.getString("status_code"));
    assertEquals("2026-01-31T09:27:26Z", gen.getString("created_at"));
    assertEquals("2026-01-31T09:31:02Z", gen.getString("updated_at"));
    assertEquals("2026-01-31T09:27:31Z", gen.getString("started_at"));
    assertNull(gen.getValue("completed_at"));
    assertEquals(metrics, gen.getJsonObject("metrics"));
    assertEquals(new JsonObject(), ana.getJsonObject("metrics"));
    assertEquals(new JsonObject(), ana.getJsonObject("trace_context"));
    assertEquals("Created", ana.getString("status_message"));
    assertEquals(false, ana.getBoolean("requires_db"));
    assertEquals(
        awkward, oddView.getString("status_message"), "JSON escaping of every kind of character");
    assertEquals("2026-01-31T09:31:02Z", oddView.getString("completed_at"));
    assertEquals("failed", oddView.getString("status"));

    // the tpp token sees only the tpp job; the all-backends token sees all three
    r =
        server.post(
            STATUS,
            "tok-tpp",
            new JsonObject().put("rap_ids", new JsonArray().add(RAP).add("tppjobs000000000")));
    assertEquals(1, r.json().getJsonArray("jobs").size());
    assertEquals(List.of(RAP), r.json().getJsonArray("unrecognised_rap_ids").getList());
    r =
        server.post(
            STATUS,
            "tok-all",
            new JsonObject()
                .put("rap_ids", new JsonArray().add(RAP).add("tppjobs000000000").add(RAP)));
    assertEquals(4, r.json().getJsonArray("jobs").size());
    assertTrue(r.json().getJsonArray("unrecognised_rap_ids").isEmpty());

    // a new attempt has reported nothing yet: no metrics, until it reports (non-object: none)
    Task t3 =
        new Task(
            running.id() + "-003",
            "test",
            TaskType.RUNJOB,
            new JsonObject(),
            new JsonObject(),
            13,
            true,
            null,
            null);
    tasks.insert(pool, t3, running.id()).await();
    server.ctx().jobs().clearMetrics(pool, running.id()).await(); // as a new attempt starts
    assertEquals(new JsonObject(), metricsOf(RAP, "generate_dataset"));
    JsonObject later = new JsonObject().put("cpu_mean", 3.25).put("note", "caf\u00e9 \"q\"");
    new TaskReports(server.vertx, server.ctx())
        .store(
            "test",
            new TaskUpdate(
                t3.id(), "executing", new JsonObject().put("job_metrics", later), false, 4L),
            14)
        .await();
    assertEquals(later, metricsOf(RAP, "generate_dataset"));
    new TaskReports(server.vertx, server.ctx())
        .store(
            "test",
            new TaskUpdate(
                t3.id(), "executing", new JsonObject().put("job_metrics", "n/a"), false, 5L),
            15)
        .await();
    assertEquals(new JsonObject(), metricsOf(RAP, "generate_dataset"));
  }

  private JsonObject metricsOf(String rapId, String action) {
    var r =
        server.post(
            STATUS, "tok-test", new JsonObject().put("rap_ids", new JsonArray().add(rapId)));
    assertEquals(200, r.status());
    for (Object o : r.json().getJsonArray("jobs")) {
      if (((JsonObject) o).getString("action").equals(action)) {
        return ((JsonObject) o).getJsonObject("metrics");
      }
    }
    throw new AssertionError("no job " + action + " in " + r.raw());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void backendStatus(String dialect) throws Exception {
    server = new RapApiServer(dialect);
    var r = server.get(BACKENDS, "tok-test");
    assertEquals(
        "{\"backends\":[{\"slug\":\"test\",\"last_seen\":null,\"paused\":{\"status\":\"off\",\"since\":null},"
            + "\"db_maintenance\":{\"status\":\"off\",\"since\":null,\"type\":null}}]}",
        r.raw().toString());
    var flags = server.ctx().flags();
    var pool = server.ctx().db().pool();
    flags
        .stamp(pool, "tpp", "last-seen-at", "2026-01-31T10:15:02.123456+00:00", 1769854502123456L)
        .await();
    flags.set(pool, "tpp", "paused", "true", 1769000000500000L).await();
    flags.set(pool, "tpp", "paused", null, 1769414400500000L).await();
    flags.set(pool, "tpp", "mode", "db-maintenance", 1769850000250000L).await();
    flags.set(pool, "tpp", "manual-db-maintenance", "on", 1769850000000000L).await();
    flags.set(pool, "test", "paused", "True", 1769850000000000L).await();
    flags.set(pool, "test", "mode", "db-maintenance", 1769850000000000L).await();
    r = server.get(BACKENDS, "tok-all");
    JsonArray backends = r.json().getJsonArray("backends");
    assertEquals(2, backends.size());
    assertEquals("test", backends.getJsonObject(0).getString("slug"));
    assertEquals(
        new JsonObject()
            .put("slug", "tpp")
            .put("last_seen", "2026-01-31T10:15:02.123456Z")
            .put(
                "paused",
                new JsonObject().put("status", "off").put("since", "2026-01-26T08:00:00.500000Z"))
            .put(
                "db_maintenance",
                new JsonObject()
                    .put("status", "on")
                    .put("since", "2026-01-31T09:00:00.250000Z")
                    .put("type", "manual")),
        backends.getJsonObject(1));
    JsonObject test = backends.getJsonObject(0);
    assertEquals("on", test.getJsonObject("paused").getString("status"));
    assertEquals("2026-01-31T09:00:00Z", test.getJsonObject("paused").getString("since"));
    assertEquals("scheduled", test.getJsonObject("db_maintenance").getString("type"));
    // only the token's backends (emis never appears)
    r = server.get(BACKENDS, "tok-tpp");
    assertEquals(1, r.json().getJsonArray("backends").size());
    assertEquals("tpp", r.json().getJsonArray("backends").getJsonObject(0).getString("slug"));
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void specAndDocs(String dialect) throws Exception {
    server = new RapApiServer(dialect);
    var r = server.get("/controller/v1/spec.json", null);
    assertEquals(200, r.status());
    JsonObject spec = r.json();
    assertEquals("3.1.0", spec.getString("openapi"));
    assertEquals("RAP API", spec.getJsonObject("info").getString("title"));
    assertEquals("/controller/v1/", spec.getJsonArray("servers").getJsonObject(0).getString("url"));
    assertEquals(
        Set.of("/backend/status/", "/rap/create/", "/rap/cancel/", "/rap/status/"),
        spec.getJsonObject("paths").fieldNames());
    r = server.get("/controller/v1/docs/", null);
    assertEquals(200, r.status());
    assertTrue(r.headers().get("content-type").startsWith("text/html"));
    String html = r.raw().toString();
    assertTrue(html.contains("<div id=\"swagger-ui\">"), html);
    assertTrue(r.headers().get("content-security-policy").startsWith("default-src 'self'"));
    // Swagger UI and its configuration come from this controller, nothing from elsewhere
    assertFalse(html.contains("http://") || html.contains("https://"), html);
    for (String asset :
        List.of("swagger-ui-bundle.js", "swagger-ui.css", "rap-docs.js", "favicon-32x32.png")) {
      assertTrue(html.contains("\"" + asset + "\""), asset);
      var a = server.get("/controller/v1/docs/" + asset, null);
      assertEquals(200, a.status(), asset);
      assertTrue(a.raw().length() > 100, asset);
    }
    assertTrue(
        server
            .get("/controller/v1/docs/rap-docs.js", null)
            .raw()
            .toString()
            .contains("url: \"../spec.json\""));
    assertTrue(
        server
            .get("/controller/v1/docs/swagger-ui-bundle.js", null)
            .headers()
            .get("content-type")
            .contains("javascript"));
    // only what the page loads: the webjar's demo configuration and unknown files are not served
    for (String missing : List.of("swagger-initializer.js", "index.css", "nosuch.js")) {
      var m = server.get("/controller/v1/docs/" + missing, null);
      assertEquals(404, m.status(), missing);
      assertEquals("Not found", m.json().getString("error"));
    }
  }
}

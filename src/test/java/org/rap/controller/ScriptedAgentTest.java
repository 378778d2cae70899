package org.rap.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Settings;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.Task;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.manage.AddJob;
import org.rap.controller.planning.CreateOutcome;
import org.rap.controller.planning.JobCreator;
import org.rap.testing.Jobs;
import org.rap.testing.TestDatabases;

/**
 * A scripted agent that speaks only the reference task API (plain HTTP, form-encoded payloads)
 * drives jobs created through add-job to success, failure and cancellation. The safety-net timer is
 * an hour, so every step happens through event wake-ups and long polls.
 */
class ScriptedAgentTest {
  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private ControllerVerticle controller;
  private String base;

  static List<String> dialects() {
    return TestDatabases.dialects();
  }

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private void start(String dialect, Path workdir) throws Exception {
    DatabaseTarget t = TestDatabases.fresh(dialect);
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
    s.put("BACKENDS", "test");
    s.put("DATABASE_URL", url);
    s.put("WORKDIR", workdir.toString());
    s.put("CONTROLLER_HOST", "127.0.0.1");
    s.put("CONTROLLER_PORT", "0");
    s.put("JOB_LOOP_INTERVAL", "3600");
    s.put("TEST_JOB_SERVER_TOKEN", "agent-secret");
    s.put("TEST_MAX_WORKERS", "10");
    controller = new ControllerVerticle(ControllerConfig.from(Settings.of(s)));
    vertx.deployVerticle(controller).await();
    base = "http://127.0.0.1:" + controller.httpPort() + "/";
  }

  /** What add-job would get from the planning helper: jobs for the requested actions. */
  private JobCreator fakeCreator() {
    ControllerContext ctx = controller.context();
    return request -> {
      List<Job> jobs = new ArrayList<>();
      for (String action : request.requestedActions()) {
        jobs.add(
            Jobs.pending(
                request.rapId(),
                action,
                request.backend(),
                request.workspace(),
                System.currentTimeMillis() / 1000));
      }
      return ctx.db()
          .inTransaction(c -> ctx.jobs().insertAll(c, jobs))
          .onSuccess(
              v ->
                  vertx
                      .eventBus()
                      .publish(
                          ControllerEvents.JOB_CREATED,
                          new JsonObject()
                              .put("backend", request.backend())
                              .put("count", jobs.size())))
          .map(v -> (CreateOutcome) new CreateOutcome.Created(jobs));
    };
  }

  private List<Job> addJob(String... actions) {
    AddJob.Options o =
        new AddJob.Options(
            "https://github.com/opensafely/test",
            List.of(actions),
            "test",
            "ws",
            "main",
            "c".repeat(40),
            "default",
            false);
    StringWriter out = new StringWriter();
    CreateOutcome outcome =
        new AddJob(fakeCreator())
            .run(AddJob.request(o, o.commit()), new PrintWriter(out, true))
            .await();
    assertTrue(out.toString().contains("Created " + actions.length + " new jobs:"), out.toString());
    return ((CreateOutcome.Created) outcome).jobs();
  }

  // --- the scripted agent -----------------------------------------------------------------------

  private JsonArray poll() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "test/tasks/?wait=2"))
                .header("Authorization", "agent-secret")
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    JsonArray tasks = new JsonObject(r.body()).getJsonArray("tasks");
    // an agent without an id gets the reference's wire format: no lease
    tasks.forEach(t -> assertFalse(((JsonObject) t).containsKey("lease"), t.toString()));
    return tasks;
  }

  private void update(String taskId, String stage, boolean complete, JsonObject results)
      throws Exception {
    JsonObject payload =
        new JsonObject()
            .put("task_id", taskId)
            .put("stage", stage)
            .put("results", results)
            .put("complete", complete)
            .put("timestamp_ns", System.currentTimeMillis() * 1_000_000L);
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "test/task/update/"))
                .header("Authorization", "agent-secret")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "payload=" + URLEncoder.encode(payload.encode(), StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(
        "{\"response\": \"Update successful\"}".replace(" ", ""), r.body().replace(" ", ""));
  }

  private final Set<String> finished = new HashSet<>();

  /** One agent loop: every active task advances as far as the script says. */
  private void agentLoop() throws Exception {
    for (Object o : poll()) {
      JsonObject task = (JsonObject) o;
      String id = task.getString("id");
      if (finished.contains(id)) {
        continue;
      }
      String action = task.getJsonObject("definition").getString("action");
      if (task.getString("type").equals("canceljob")) {
        update(id, "executing", false, new JsonObject());
        update(id, "finalized", true, new JsonObject());
        finished.add(id);
      } else if (action.startsWith("slow")) {
        update(id, "executing", false, new JsonObject());
      } else {
        update(id, "preparing", false, new JsonObject());
        update(id, "prepared", false, new JsonObject());
        update(id, "executing", false, new JsonObject());
        update(id, "finalizing", false, new JsonObject());
        JsonObject results =
            new JsonObject()
                .put("exit_code", action.startsWith("fail") ? 1 : 0)
                .put("status_message", "")
                .put("error", false)
                .put("has_unmatched_patterns", false)
                .put("has_level4_excluded_files", false)
                .put("docker_image_id", "sha256:x");
        update(id, "finalized", true, results);
        finished.add(id);
      }
    }
  }

  private Job job(String id) {
    return controller
        .context()
        .jobs()
        .findById(controller.context().db().pool(), id)
        .await()
        .orElseThrow();
  }

  private void runAgentUntil(BooleanSupplier done) throws Exception {
    for (int i = 0; i < 60 && !done.getAsBoolean(); i++) {
      agentLoop();
    }
    assertTrue(done.getAsBoolean(), "agent script did not reach the expected state");
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void agentDrivesJobsToSuccessFailureAndCancellation(String dialect, @TempDir Path workdir)
      throws Exception {
    start(dialect, workdir);
    List<Job> jobs = addJob("ok_action", "fail_action", "slow_action");
    Job ok = jobs.get(0);
    Job fail = jobs.get(1);
    Job slow = jobs.get(2);

    runAgentUntil(
        () ->
            job(ok.id()).state().isFinal()
                && job(fail.id()).state().isFinal()
                && job(slow.id()).statusCode() == StatusCode.EXECUTING);
    Job okJob = job(ok.id());
    assertEquals(State.SUCCEEDED, okJob.state());
    assertEquals(StatusCode.SUCCEEDED, okJob.statusCode());
    assertEquals("Completed successfully", okJob.statusMessage());
    Job failJob = job(fail.id());
    assertEquals(State.FAILED, failJob.state());
    assertEquals(StatusCode.NONZERO_EXIT, failJob.statusCode());
    assertEquals("Job exited with an error", failJob.statusMessage());
    assertEquals("Job executing on the backend", job(slow.id()).statusMessage());

    // job-server cancels the slow job (as the RAP API does), the agent gets a CANCELJOB
    ControllerContext ctx = controller.context();
    ctx.jobs()
        .markCancelled(
            ctx.db().pool(),
            slow.rapId(),
            List.of("slow_action"),
            System.currentTimeMillis() / 1000)
        .await();
    vertx
        .eventBus()
        .publish(
            ControllerEvents.JOB_CANCELLED,
            new JsonObject().put("backend", "test").put("rap_id", slow.rapId()));
    String cancelId = slow.id() + "-001-cancel";
    runAgentUntil(() -> finished.contains(cancelId));
    Job slowJob = job(slow.id());
    assertEquals(StatusCode.CANCELLED_BY_USER, slowJob.statusCode());
    assertEquals("Cancelled by user", slowJob.statusMessage());
    assertEquals(State.FAILED, slowJob.state());
    Task run = ctx.tasks().findById(ctx.db().pool(), slow.id() + "-001").await().orElseThrow();
    assertFalse(run.active());
    assertTrue(poll().isEmpty(), "nothing left for the agent");
  }
}

package org.rap.controller.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rap.common.model.Job;
import org.rap.common.model.JobIds;
import org.rap.controller.api.rap.RapApiServer;
import org.rap.testing.TestDatabases;

/** The sync mode against a fake job-server v2 API on loopback, on both databases. */
class SyncVerticleTest {
  private RapApiServer controller;
  private FakeJobServer jobServer;
  private final Vertx fakeVertx = Vertx.vertx();

  static List<String> dialects() {
    return TestDatabases.dialects();
  }

  @AfterEach
  void stop() {
    if (controller != null) {
      controller.close();
    }
    if (jobServer != null) {
      jobServer.close();
    }
    fakeVertx.close().await();
  }

  private RapApiServer controller(String dialect, String endpoint) throws Exception {
    return new RapApiServer(
        dialect,
        Map.of(
            "JOB_SERVER_ENDPOINT", endpoint,
            "POLL_INTERVAL", "0.1",
            "TEST_JOB_SERVER_TOKEN", "jst-test",
            "TPP_JOB_SERVER_TOKEN", "jst-tpp",
            "EMIS_JOB_SERVER_TOKEN", "jst-emis"));
  }

  private FakeJobServer jobServer(int port) {
    return new FakeJobServer(
        fakeVertx, port, Map.of("jst-test", "test", "jst-tpp", "tpp", "jst-emis", "emis"));
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("Timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  private List<Job> jobsOf(String rapId) {
    return controller
        .ctx()
        .jobs()
        .findByRapIds(controller.ctx().db().pool(), List.of(rapId))
        .await();
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void createsCancelsAndPostsBack(String dialect) throws Exception {
    jobServer = jobServer(0);
    jobServer.pageSize.set(2);
    jobServer.add(
        "test", FakeJobServer.jobRequest("aaaaaaaaaaaaaaaa", "test", "generate", "analyse"));
    jobServer.add("test", FakeJobServer.jobRequest("bbbbbbbbbbbbbbbb", "test", "fail_known"));
    jobServer.add(
        "test", FakeJobServer.jobRequest("cccccccccccccccc", "test", "nothing_succeeded"));
    jobServer.add("tpp", FakeJobServer.jobRequest("dddddddddddddddd", "tpp", "generate"));
    controller = controller(dialect, jobServer.endpoint());

    // three job requests over two pages: all created
    await("jobs of the third job request", () -> !jobsOf("aaaaaaaaaaaaaaaa").isEmpty());
    await("tpp jobs", () -> !jobsOf("dddddddddddddddd").isEmpty());
    assertEquals(
        Set.of("generate", "analyse"),
        Set.copyOf(jobsOf("aaaaaaaaaaaaaaaa").stream().map(Job::action).toList()));
    Job error = jobsOf("bbbbbbbbbbbbbbbb").get(0);
    assertEquals("__error__", error.action());
    assertEquals("internal_error", error.statusCode().value());
    assertEquals("JobRequestError: Could not find branch 'main'", error.statusMessage());
    Job nothing = jobsOf("cccccccccccccccc").get(0);
    assertEquals("nothing_succeeded", nothing.action());
    assertEquals("succeeded", nothing.state().value());

    // posted back: every job of every job request, keyed job_request_id, no rap_id
    await("posted jobs", () -> jobServer.latestJobs("test").size() == 4);
    Map<String, JsonObject> posted = jobServer.latestJobs("test");
    JsonObject gen = posted.get(JobIds.jobId("aaaaaaaaaaaaaaaa", "generate"));
    assertEquals("aaaaaaaaaaaaaaaa", gen.getString("job_request_id"));
    assertEquals("pending", gen.getString("status"));
    assertEquals(
        Set.of(
            "identifier",
            "job_request_id",
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
        gen.fieldNames());
    assertTrue(jobServer.errors.isEmpty(), jobServer.errors.toString());
    await("tpp posted", () -> jobServer.latestJobs("tpp").size() == 1);

    // replays do not duplicate anything
    int calls = controller.creator.get().calls.get();
    int rounds = jobServer.jobRequestCalls.get();
    await("more rounds", () -> jobServer.jobRequestCalls.get() > rounds + 6);
    assertEquals(calls, controller.creator.get().calls.get());
    assertEquals(2, jobsOf("aaaaaaaaaaaaaaaa").size());

    // cancelled actions in the job request flag the jobs
    jobServer.requestsByBackend.get("test").stream()
        .filter(jr -> jr.getString("identifier").equals("aaaaaaaaaaaaaaaa"))
        .forEach(jr -> jr.put("cancelled_actions", new JsonArray().add("analyse").add("unknown")));
    await(
        "cancel",
        () ->
            jobsOf("aaaaaaaaaaaaaaaa").stream()
                .anyMatch(j -> j.action().equals("analyse") && j.cancelled()));
    assertFalse(
        jobsOf("aaaaaaaaaaaaaaaa").stream()
            .anyMatch(j -> j.action().equals("generate") && j.cancelled()));

    // an active RAP job-server no longer lists is still posted back
    jobServer
        .requestsByBackend
        .get("test")
        .removeIf(jr -> jr.getString("identifier").equals("aaaaaaaaaaaaaaaa"));
    int posts = jobServer.posted.size();
    await("post after removal", () -> jobServer.posted.size() > posts + 3);
    JsonArray last = null;
    for (var e : jobServer.posted) {
      if (e.getKey().equals("test")) {
        last = e.getValue();
      }
    }
    assertTrue(
        last.stream()
            .anyMatch(
                o -> ((JsonObject) o).getString("job_request_id").equals("aaaaaaaaaaaaaaaa")));
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void survivesJobServerErrorsAndDowntime(String dialect) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    // job-server is down: the controller starts and serves the RAP API anyway
    controller = controller(dialect, "http://127.0.0.1:" + port + "/api/v2/");
    Thread.sleep(500);
    assertEquals(200, controller.get("/controller/v1/backend/status/", "tok-test").status());

    // job-server comes up, failing its first requests with 500s
    jobServer = jobServer(port);
    jobServer.failNext.set(3);
    jobServer.add("test", FakeJobServer.jobRequest("aaaaaaaaaaaaaaaa", "test", "generate"));
    await("jobs after recovery", () -> !jobsOf("aaaaaaaaaaaaaaaa").isEmpty());
    await("posted after recovery", () -> jobServer.latestJobs("test").size() == 1);
    assertEquals(200, controller.get("/controller/v1/backend/status/", "tok-test").status());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void aFailingBackendDoesNotSlowTheOthers(String dialect) throws Exception {
    jobServer = new FakeJobServer(fakeVertx, 0, Map.of("jst-test", "test"));
    controller = controller(dialect, jobServer.endpoint());
    // tpp and emis tokens are refused (403) on every round; test keeps its poll interval
    await(
        "20 rounds of backend test",
        () -> jobServer.callsByBackend.getOrDefault("test", new AtomicInteger()).get() >= 20);
  }

  @Test
  void backoffGrowsWithJitterAndIsCapped() {
    Duration interval = Duration.ofSeconds(5);
    for (int failures = 1; failures < 20; failures++) {
      long cap =
          Math.min(
              5000L << Math.min(failures, SyncVerticle.MAX_BACKOFF_EXPONENT),
              SyncVerticle.MAX_BACKOFF.toMillis());
      for (int i = 0; i < 50; i++) {
        long d = SyncVerticle.backoff(interval, failures);
        assertTrue(d >= cap / 2 && d <= cap, failures + ": " + d);
      }
    }
    assertEquals(300_000L, Math.min(5000L << 6, 300_000L));
  }

  @Test
  void createBodyFromJobRequest() {
    JsonObject jr = FakeJobServer.jobRequest("aaaaaaaaaaaaaaaa", "test", "a", "b");
    jr.remove("orgs");
    jr.put("codelists_ok", false);
    JsonObject body = SyncRound.createBody("test", "aaaaaaaaaaaaaaaa", jr);
    assertEquals("my-study", body.getString("workspace"));
    assertEquals("https://github.com/opensafely/my-study", body.getString("repo_url"));
    assertEquals("main", body.getString("branch"));
    assertEquals("07d5f283bb66f52a49933b016cf8dc144cfc7180", body.getString("commit"));
    assertEquals(new JsonArray().add("a").add("b"), body.getJsonArray("requested_actions"));
    assertEquals(false, body.getBoolean("codelists_ok"));
    assertEquals(new JsonArray(), body.getJsonArray("orgs"));
    assertEquals(new JsonObject(), body.getJsonObject("analysis_scope"));
  }
}

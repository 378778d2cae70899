package org.rap.controller.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rap.common.model.Job;
import org.rap.common.model.JobIds;
import org.rap.controller.api.rap.RapApiServer;
import org.rap.testing.Eventually;
import org.rap.testing.TestDatabases;

/** The sync mode against a fake job-server v2 API on loopback, on both databases. */
@ExtendWith(VertxExtension.class)
class SyncVerticleTest {
  private RapApiServer controller;
  private FakeJobServer jobServer;

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

  private FakeJobServer jobServer(Vertx vertx, int port) {
    return new FakeJobServer(
        vertx, port, Map.of("jst-test", "test", "jst-tpp", "tpp", "jst-emis", "emis"));
  }

  private Future<List<Job>> jobsOf(String rapId) {
    return controller.ctx().jobs().findByRapIds(controller.ctx().db().pool(), List.of(rapId));
  }

  /** Until the jobs of {@code rapId} satisfy {@code test}. */
  private Future<Void> untilJobs(
      Vertx vertx, String what, String rapId, Predicate<List<Job>> test) {
    return Eventually.untilAsync(vertx, what, () -> jobsOf(rapId).map(test::test));
  }

  /** Checks {@code checks} in the test's context (a failure fails the test). */
  private static <T> Future<T> verify(VertxTestContext test, T value, Runnable checks) {
    test.verify(checks::run);
    return Future.succeededFuture(value);
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void createsCancelsAndPostsBack(String dialect, Vertx vertx, VertxTestContext test)
      throws Exception {
    jobServer = jobServer(vertx, 0);
    jobServer.pageSize.set(2);
    jobServer.add(
        "test", FakeJobServer.jobRequest("aaaaaaaaaaaaaaaa", "test", "generate", "analyse"));
    jobServer.add("test", FakeJobServer.jobRequest("bbbbbbbbbbbbbbbb", "test", "fail_known"));
    jobServer.add(
        "test", FakeJobServer.jobRequest("cccccccccccccccc", "test", "nothing_succeeded"));
    jobServer.add("tpp", FakeJobServer.jobRequest("dddddddddddddddd", "tpp", "generate"));
    controller = controller(dialect, jobServer.endpoint());
    int[] before = new int[3];

    // three job requests over two pages: all created
    untilJobs(vertx, "jobs of the third job request", "aaaaaaaaaaaaaaaa", l -> !l.isEmpty())
        .compose(v -> untilJobs(vertx, "tpp jobs", "dddddddddddddddd", l -> !l.isEmpty()))
        .compose(
            v ->
                Future.all(
                    jobsOf("aaaaaaaaaaaaaaaa"),
                    jobsOf("bbbbbbbbbbbbbbbb"),
                    jobsOf("cccccccccccccccc")))
        .compose(
            all ->
                verify(
                    test,
                    all,
                    () -> {
                      List<Job> a = all.resultAt(0);
                      assertEquals(
                          Set.of("generate", "analyse"),
                          Set.copyOf(a.stream().map(Job::action).toList()));
                      Job error = all.<List<Job>>resultAt(1).get(0);
                      assertEquals("__error__", error.action());
                      assertEquals("internal_error", error.statusCode().value());
                      assertEquals(
                          "JobRequestError: Could not find branch 'main'", error.statusMessage());
                      Job nothing = all.<List<Job>>resultAt(2).get(0);
                      assertEquals("nothing_succeeded", nothing.action());
                      assertEquals("succeeded", nothing.state().value());
                    }))
        // posted back: every job of every job request, keyed job_request_id, no rap_id
        .compose(
            v ->
                Eventually.until(
                    vertx, "posted jobs", () -> jobServer.latestJobs("test").size() == 4))
        .compose(v -> verify(test, v, this::checkPostedJobs))
        .compose(
            v ->
                Eventually.until(
                    vertx, "tpp posted", () -> jobServer.latestJobs("tpp").size() == 1))
        // replays do not duplicate anything
        .compose(
            v -> {
              before[0] = controller.creator.get().calls.get();
              before[1] = jobServer.jobRequestCalls.get();
              return Eventually.until(
                  vertx, "more rounds", () -> jobServer.jobRequestCalls.get() > before[1] + 6);
            })
        .compose(v -> jobsOf("aaaaaaaaaaaaaaaa"))
        .compose(
            jobs ->
                verify(
                    test,
                    jobs,
                    () -> {
                      assertEquals(before[0], controller.creator.get().calls.get());
                      assertEquals(2, jobs.size());
                    }))
        // cancelled actions in the job request flag the jobs
        .compose(
            v -> {
              jobServer.requestsByBackend.get("test").stream()
                  .filter(jr -> jr.getString("identifier").equals("aaaaaaaaaaaaaaaa"))
                  .forEach(
                      jr ->
                          jr.put(
                              "cancelled_actions", new JsonArray().add("analyse").add("unknown")));
              return untilJobs(
                  vertx,
                  "cancel",
                  "aaaaaaaaaaaaaaaa",
                  l -> l.stream().anyMatch(j -> j.action().equals("analyse") && j.cancelled()));
            })
        .compose(v -> jobsOf("aaaaaaaaaaaaaaaa"))
        .compose(
            jobs ->
                verify(
                    test,
                    jobs,
                    () ->
                        assertFalse(
                            jobs.stream()
                                .anyMatch(j -> j.action().equals("generate") && j.cancelled()))))
        // an active RAP job-server no longer lists is still posted back
        .compose(
            v -> {
              jobServer
                  .requestsByBackend
                  .get("test")
                  .removeIf(jr -> jr.getString("identifier").equals("aaaaaaaaaaaaaaaa"));
              before[2] = jobServer.posted.size();
              return Eventually.until(
                  vertx, "post after removal", () -> jobServer.posted.size() > before[2] + 3);
            })
        .onComplete(
            test.succeeding(
                v ->
                    test.verify(
                        () -> {
                          checkLastPostHas("test", "aaaaaaaaaaaaaaaa");
                          test.completeNow();
                        })));
  }

  private void checkPostedJobs() {
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
  }

  private void checkLastPostHas(String backend, String jobRequestId) {
    JsonArray last = null;
    for (var e : jobServer.posted) {
      if (e.getKey().equals(backend)) {
        last = e.getValue();
      }
    }
    assertTrue(
        last.stream()
            .anyMatch(o -> ((JsonObject) o).getString("job_request_id").equals(jobRequestId)));
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void survivesJobServerErrorsAndDowntime(String dialect, Vertx vertx, VertxTestContext test)
      throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    // job-server is down: the controller starts and serves the RAP API anyway
    controller = controller(dialect, "http://127.0.0.1:" + port + "/api/v2/");
    vertx
        .timer(500)
        .compose(t -> backendStatus())
        .compose(status -> verify(test, status, () -> assertEquals(200, status)))
        // job-server comes up, failing its first requests with 500s
        .compose(
            v ->
                Future.fromCompletionStage(
                    CompletableFuture.supplyAsync(() -> jobServer(vertx, port))))
        .compose(
            started -> {
              jobServer = started;
              jobServer.failNext.set(3);
              jobServer.add(
                  "test", FakeJobServer.jobRequest("aaaaaaaaaaaaaaaa", "test", "generate"));
              return untilJobs(vertx, "jobs after recovery", "aaaaaaaaaaaaaaaa", l -> !l.isEmpty());
            })
        .compose(
            v ->
                Eventually.until(
                    vertx, "posted after recovery", () -> jobServer.latestJobs("test").size() == 1))
        .compose(v -> backendStatus())
        .onComplete(
            test.succeeding(
                status ->
                    test.verify(
                        () -> {
                          assertEquals(200, status);
                          test.completeNow();
                        })));
  }

  /** The HTTP status of the RAP API's backend status, asked without blocking. */
  private Future<Integer> backendStatus() {
    return controller
        .client
        .get("/controller/v1/backend/status/")
        .putHeader("Authorization", "tok-test")
        .send()
        .map(HttpResponse::statusCode);
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void aFailingBackendDoesNotSlowTheOthers(String dialect, Vertx vertx, VertxTestContext test)
      throws Exception {
    jobServer = new FakeJobServer(vertx, 0, Map.of("jst-test", "test"));
    controller = controller(dialect, jobServer.endpoint());
    // tpp and emis tokens are refused (403) on every round; test keeps its poll interval
    Eventually.until(
            vertx,
            "20 rounds of backend test",
            () -> jobServer.callsByBackend.getOrDefault("test", new AtomicInteger()).get() >= 20)
        .onComplete(test.succeedingThenComplete());
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

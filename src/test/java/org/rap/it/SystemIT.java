package org.rap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.model.JobIds;
import org.rap.controller.api.rap.JobServerModel;
import org.rap.controller.api.rap.ResponseContracts;
import org.rap.controller.db.DatabaseTarget;
import org.rap.testing.TestDatabases;
import org.rap.testing.TestTokens;

/**
 * The whole system as in production: controller and agent as separate {@code java -jar} processes,
 * PostgreSQL, the real Docker engine, and the RAP API driven as job-server drives it. The study is
 * a local git repository made on the fly from {@code examples/demo-study} plus a slow action for
 * the cancellation. Every RAP API answer is checked against our contract and the reference one, and
 * every status answer is applied with job-server's rules ({@link JobServerModel}).
 */
class SystemIT {
  private static final String CLIENT_TOKEN = TestTokens.CLIENT;
  private static final String AGENT_TOKEN = TestTokens.AGENT;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path tmp;
  private JarProcess controller;
  private JarProcess agent;
  private String api;
  private Path agentWorkdir;
  private String repo;
  private String commit;

  private final Vertx vertx = Vertx.vertx();
  private ResponseContracts contracts;
  private final Map<String, JobServerModel> jobServer = new HashMap<>();

  @BeforeEach
  void start() throws Exception {
    contracts = ResponseContracts.load(vertx);
    repo = makeStudyRepo();
    DatabaseTarget pg = TestDatabases.fresh("postgresql");
    String dbUrl =
        "postgresql://"
            + pg.user()
            + ":"
            + pg.password()
            + "@"
            + pg.host()
            + ":"
            + pg.port()
            + "/"
            + pg.database();
    int controllerPort = JarProcess.freePort();
    Map<String, String> common = new HashMap<>();
    common.put("BACKENDS", "test");
    common.put("ALLOW_LOCAL_GIT_REPOS", "true");
    common.put("LOCAL_IMAGES_ONLY", "true");
    common.put("JOB_LOOP_INTERVAL", "1.0");
    Map<String, String> ctl = new HashMap<>(common);
    ctl.put("WORKDIR", Files.createDirectories(tmp.resolve("controller")).toString());
    ctl.put("DATABASE_URL", dbUrl);
    ctl.put("CONTROLLER_PORT", String.valueOf(controllerPort));
    ctl.put("TEST_CLIENT_TOKENS", CLIENT_TOKEN);
    ctl.put("TEST_JOB_SERVER_TOKEN", AGENT_TOKEN);
    ctl.put("CONTROLLER_ALLOWED_HOSTS", "localhost");
    ctl.put("MAINTENANCE_ENABLED_BACKENDS", "");
    ctl.put("DATA_CHECK_ENABLED_BACKENDS", "");
    JarProcess.Result migrated = JarProcess.run(ctl, "migrate");
    assertEquals(0, migrated.exit(), migrated.output());
    controller = JarProcess.start(ctl, "--role=controller");
    api = "http://localhost:" + controllerPort + "/controller/v1/";

    agentWorkdir = Files.createDirectories(tmp.resolve("agent"));
    Map<String, String> ag = new HashMap<>(common);
    ag.put("WORKDIR", agentWorkdir.toString());
    ag.put("BACKEND", "test");
    ag.put("CONTROLLER_TASK_API_ENDPOINT", "http://localhost:" + controllerPort + "/");
    ag.put("CONTROLLER_TASK_API_TOKEN", AGENT_TOKEN);
    ag.put("USING_DUMMY_DATA_BACKEND", "true");

    ag.put("AGENT_PORT", String.valueOf(JarProcess.freePort()));
    ag.put("STATS_POLL_INTERVAL", "1");
    agent = JarProcess.start(ag, "--role=agent");
    assertEquals(
        200,
        controller.awaitStatus(
            "http://localhost:" + controllerPort + "/health/ready", 200, Duration.ofSeconds(60)),
        controller.output());
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await();
    int agentExit = agent == null ? 0 : agent.terminate();
    int controllerExit = controller == null ? 0 : controller.terminate();
    assertEquals(0, agentExit, "agent log:\n" + (agent == null ? "" : agent.output()));
    assertEquals(
        0, controllerExit, "controller log:\n" + (controller == null ? "" : controller.output()));
  }

  @Test
  void studyRunsEndToEnd() throws Exception {
    // 1. a RAP with a chain of three actions
    String rap1 = JobIds.newRapId();
    JsonObject created = post("rap/create/", createBody(rap1, List.of("report")), 201);
    assertEquals(3, created.getInteger("count"), created.encode());
    // a replay is idempotent
    assertEquals(
        "No change",
        post("rap/create/", createBody(rap1, List.of("report")), 200).getString("result"));

    JsonArray jobs = awaitJobs(rap1, js -> allFinal(js), Duration.ofMinutes(3));
    for (Object o : jobs) {
      JsonObject j = (JsonObject) o;
      assertEquals("succeeded", j.getString("status"), diagnostics(j));
      assertEquals(15, j.size(), "exactly 15 keys: " + j.encode());
    }
    JsonObject summarise = byAction(jobs, "summarise");
    assertEquals(
        "Completed successfully, but some file(s) marked as moderately_sensitive were excluded. See job log for details.",
        summarise.getString("status_message"));

    Path high = agentWorkdir.resolve("high_privacy/workspaces/demo");
    Path medium = agentWorkdir.resolve("medium_privacy/workspaces/demo");
    assertTrue(Files.isRegularFile(high.resolve("output/dataset.csv")));
    assertFalse(
        Files.exists(medium.resolve("output/dataset.csv")), "highly_sensitive stays at level 3");
    assertTrue(Files.isRegularFile(medium.resolve("output/summary.csv")));
    assertTrue(Files.isRegularFile(medium.resolve("output/report.md")));
    assertFalse(Files.exists(medium.resolve("output/patient_rows.csv")), "excluded from level 4");
    assertTrue(
        Files.isRegularFile(medium.resolve("output/patient_rows.csv.txt")),
        "explanation for the exclusion");
    assertTrue(Files.isRegularFile(medium.resolve("metadata/manifest.json")));
    JsonObject manifest =
        new JsonObject(Files.readString(medium.resolve("metadata/manifest.json")));
    assertTrue(
        manifest.getJsonObject("outputs").containsKey("output/summary.csv"), manifest.encode());
    for (String action : List.of("generate_dataset", "summarise", "report")) {
      assertTrue(Files.isRegularFile(high.resolve("metadata/" + action + ".log")), action);
      assertTrue(Files.isRegularFile(medium.resolve("metadata/" + action + ".log")), action);
    }
    try (Stream<Path> logs = Files.walk(agentWorkdir.resolve("high_privacy/logs"))) {
      long metadataFiles =
          logs.filter(p -> p.getFileName().toString().equals("metadata.json")).count();
      assertEquals(3, metadataFiles);
    }

    // 2. a second RAP re-runs only the requested action, reusing the earlier outputs as inputs
    String rap2 = JobIds.newRapId();
    assertEquals(
        1, post("rap/create/", createBody(rap2, List.of("report")), 201).getInteger("count"));
    JsonArray second = awaitJobs(rap2, SystemIT::allFinal, Duration.ofMinutes(2));
    assertEquals("succeeded", byAction(second, "report").getString("status"), second.encode());
    // run_all reuses the three succeeded actions and only creates the never-run wait_forever
    String rapAll = JobIds.newRapId();
    assertEquals(
        1, post("rap/create/", createBody(rapAll, List.of("run_all")), 201).getInteger("count"));
    post(
        "rap/cancel/",
        new JsonObject().put("rap_id", rapAll).put("actions", new JsonArray().add("wait_forever")),
        200);
    awaitJobs(rapAll, SystemIT::allFinal, Duration.ofMinutes(1));

    // 3. cancellation of a running job
    String rap3 = JobIds.newRapId();
    assertEquals(
        1, post("rap/create/", createBody(rap3, List.of("wait_forever")), 201).getInteger("count"));
    awaitJobs(
        rap3,
        js -> "executing".equals(byAction(js, "wait_forever").getString("status_code")),
        Duration.ofMinutes(2));
    JsonObject cancel =
        post(
            "rap/cancel/",
            new JsonObject()
                .put("rap_id", rap3)
                .put("actions", new JsonArray().add("wait_forever")),
            200);
    assertEquals("Success", cancel.getString("result"), cancel.encode());
    JsonArray cancelled = awaitJobs(rap3, SystemIT::allFinal, Duration.ofMinutes(1));
    JsonObject job = byAction(cancelled, "wait_forever");
    assertEquals("cancelled_by_user", job.getString("status_code"));
    assertEquals("Cancelled by user", job.getString("status_message"));
    String container = "os-job-" + job.getString("identifier");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline && containerExists(container)) {
      Thread.sleep(250);
    }
    assertFalse(
        containerExists(container), "the agent kills and removes the cancelled job's container");

    // backend status reports the agent as seen
    JsonObject status = get("backend/status/");
    JsonObject test = status.getJsonArray("backends").getJsonObject(0);
    assertEquals("test", test.getString("slug"));
    assertTrue(test.getValue("last_seen") != null, status.encode());
  }

  private static boolean containerExists(String name) throws Exception {
    Process p =
        new ProcessBuilder("docker", "ps", "-aq", "--filter", "name=^" + name + "$").start();
    p.waitFor();
    return !new String(p.getInputStream().readAllBytes()).isBlank();
  }

  private String diagnostics(JsonObject job) throws Exception {
    return job.encodePrettily()
        + "\n--- controller\n"
        + controller.output()
        + "\n--- agent\n"
        + agent.output();
  }

  static boolean allFinal(JsonArray jobs) {
    return !jobs.isEmpty()
        && jobs.stream()
            .allMatch(
                o -> List.of("succeeded", "failed").contains(((JsonObject) o).getString("status")));
  }

  static JsonObject byAction(JsonArray jobs, String action) {
    return jobs.stream()
        .map(o -> (JsonObject) o)
        .filter(j -> j.getString("action").equals(action))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no job for " + action + " in " + jobs.encode()));
  }

  private JsonArray awaitJobs(String rapId, Predicate<JsonArray> done, Duration max)
      throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    JsonArray jobs = new JsonArray();
    while (System.nanoTime() < deadline) {
      JsonObject r =
          post("rap/status/", new JsonObject().put("rap_ids", new JsonArray().add(rapId)), 200);
      jobs = r.getJsonArray("jobs");
      if (done.test(jobs)) {
        return jobs;
      }
      Thread.sleep(250);
    }
    throw new AssertionError(
        "timed out; jobs: "
            + jobs.encodePrettily()
            + "\n--- controller\n"
            + controller.output()
            + "\n--- agent\n"
            + agent.output());
  }

  private JsonObject createBody(String rapId, List<String> actions) {
    return new StudyRepo(Path.of(repo), commit).createBody(rapId, "demo", actions);
  }

  private JsonObject post(String path, JsonObject body, int expected) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(api + path))
                .header("Authorization", CLIENT_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(expected, r.statusCode(), path + " -> " + r.body());
    JsonObject answer = checked("POST", path, r);
    if (path.equals("rap/status/")) {
      for (Object id : body.getJsonArray("rap_ids")) {
        jobServer
            .computeIfAbsent((String) id, rapId -> new JobServerModel(rapId, "test"))
            .apply(answer);
      }
    }
    return answer;
  }

  /** The answer, valid in both contracts (documented status, schema of that status). */
  private JsonObject checked(String method, String path, HttpResponse<String> r) {
    String op = ResponseContracts.operationId(method, "/controller/v1/" + path);
    List<String> problems = contracts.check(op, r.statusCode(), Buffer.buffer(r.body()));
    assertTrue(problems.isEmpty(), String.join("\n", problems));
    return new JsonObject(r.body());
  }

  private JsonObject get(String path) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(api + path))
                .header("Authorization", CLIENT_TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return checked("GET", path, r);
  }

  /** A git repository with the demo study and a slow action, committed on {@code main}. */
  private String makeStudyRepo() throws Exception {
    StudyRepo study =
        StudyRepo.demoWith(
            tmp.resolve("study"),
            "\n  wait_forever:\n"
                + "    run: python:v2 sh -c 'sleep 600'\n"
                + "    outputs:\n"
                + "      moderately_sensitive:\n"
                + "        never: output/never.csv\n");
    commit = study.commit();
    return study.dir().toString();
  }
}

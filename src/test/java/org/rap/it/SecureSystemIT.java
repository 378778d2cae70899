package org.rap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.model.JobIds;
import org.rap.testing.TestCertificates;

/**
 * Controller and agent as separate processes over TLS with a CA made in the test, every secret set
 * to a recognisable value (some from {@code _FILE}s), a run with failures (a failing job, wrong
 * tokens, a bad request, a disallowed host, a telemetry exporter that cannot connect, a private
 * repository token on a repository that does not exist). Afterwards no secret appears in either
 * process's output, any file the agent wrote (job logs, metadata, manifests), {@code /metrics}, the
 * ops page or its summary, or any API answer.
 */
class SecureSystemIT {
  private static final String MARK = "S3CR3T";
  private static final String CLIENT = secret("client");
  private static final String AGENT = secret("agent");
  private static final String OPS = secret("ops");
  private static final String REPO = secret("repo");
  private static final String STATA = secret("stata");
  private static final String OTLP = secret("otlp");
  private static final String WRONG = secret("wrong");
  private static final List<String> SECRETS = List.of(CLIENT, AGENT, OPS, REPO, STATA, OTLP, WRONG);

  @TempDir Path tmp;
  private JarProcess controller;
  private JarProcess agent;
  private HttpClient https;
  private final List<String> answers = new ArrayList<>();

  private static String secret(String what) {
    byte[] b = new byte[16];
    new Random().nextBytes(b);
    return MARK + what + HexFormat.of().formatHex(b);
  }

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.terminate();
    }
    if (controller != null) {
      controller.terminate();
    }
  }

  @Test
  void aRunWithFailuresOverTlsLeaksNoSecret() throws Exception {
    Path pki = Files.createDirectories(tmp.resolve("pki"));
    TestCertificates ca = TestCertificates.authority("RAP system test CA");
    TestCertificates.Issued cert = ca.issue(pki, "controller", "localhost", "127.0.0.1");
    Path caFile = ca.writeCa(pki);
    https = HttpClient.newBuilder().sslContext(TestCertificates.trusting(caFile)).build();
    Path secrets = Files.createDirectories(tmp.resolve("secrets"));
    Files.writeString(secrets.resolve("agent"), AGENT + "\n");
    Files.writeString(secrets.resolve("client"), CLIENT + "\n");
    StudyRepo study =
        StudyRepo.demoWith(
            tmp.resolve("study"),
            "\n  fails:\n"
                + "    run: python:v2 sh -c 'echo failing on purpose; exit 3'\n"
                + "    outputs:\n"
                + "      moderately_sensitive:\n"
                + "        never: output/never.csv\n");

    int port = JarProcess.freePort();
    Map<String, String> common = new HashMap<>();
    common.put("BACKENDS", "test");
    common.put("ALLOW_LOCAL_GIT_REPOS", "true");
    common.put("JOB_LOOP_INTERVAL", "0.5");
    common.put("LOGLEVEL", "DEBUG");
    common.put("PRIVATE_REPO_ACCESS_TOKEN", REPO);
    common.put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + JarProcess.freePort());
    common.put("OTEL_EXPORTER_OTLP_HEADERS", "x-honeycomb-team=" + OTLP);
    Map<String, String> ctl = new HashMap<>(common);
    ctl.put("WORKDIR", Files.createDirectories(tmp.resolve("controller")).toString());
    ctl.put("CONTROLLER_PORT", String.valueOf(port));
    ctl.put("CONTROLLER_ALLOWED_HOSTS", "localhost");
    ctl.put("TLS_CERT_FILE", cert.certFile().toString());
    ctl.put("TLS_KEY_FILE", cert.keyFile().toString());
    ctl.put("TEST_CLIENT_TOKENS_FILE", secrets.resolve("client").toString());
    ctl.put("TEST_JOB_SERVER_TOKEN_FILE", secrets.resolve("agent").toString());
    ctl.put("OPS_PAGE_TOKEN", OPS);
    ctl.put("STATA_LICENSE", STATA);
    ctl.put("MAINTENANCE_ENABLED_BACKENDS", "");
    ctl.put("DATA_CHECK_ENABLED_BACKENDS", "");
    assertEquals(0, JarProcess.run(ctl, "migrate").exit());
    controller = JarProcess.start(ctl, "--role=controller");

    Path agentWorkdir = Files.createDirectories(tmp.resolve("agent"));
    Map<String, String> ag = new HashMap<>(common);
    ag.put("WORKDIR", agentWorkdir.toString());
    ag.put("BACKEND", "test");
    ag.put("CONTROLLER_TASK_API_ENDPOINT", "https://localhost:" + port + "/");
    ag.put("CONTROLLER_CA_FILE", caFile.toString());
    ag.put("CONTROLLER_TASK_API_TOKEN_FILE", secrets.resolve("agent").toString());
    ag.put("USING_DUMMY_DATA_BACKEND", "true");
    ag.put("DOCKER_PROXY", "none");
    ag.put("AGENT_PORT", String.valueOf(JarProcess.freePort()));
    ag.put("LOG_FORMAT", "json");
    agent = JarProcess.start(ag, "--role=agent");

    String base = "https://localhost:" + port + "/";
    awaitReady(base + "health/ready");
    // the same listener refuses plain HTTP
    assertEquals(-1, JarProcess.status("http://localhost:" + port + "/health/live"));

    // failures on the way: wrong tokens, a bad body, a disallowed host, a repository that needs
    // the private token and does not exist
    assertEquals(401, call("GET", base + "controller/v1/backend/status/", WRONG, null));
    assertEquals(401, call("GET", base + "test/tasks/", WRONG, null));
    assertEquals(400, call("POST", base + "controller/v1/rap/create/", CLIENT, "{\"rap_id\": 1"));
    assertEquals(
        400,
        call("GET", "https://127.0.0.1:" + port + "/controller/v1/backend/status/", CLIENT, null));
    String privateRap = JobIds.newRapId();
    JsonObject missingRepo =
        new StudyRepo(Path.of("/nonexistent"), "0123456789abcdef0123456789abcdef01234567")
            .createBody(privateRap, "secure", List.of("report"))
            .put("repo_url", "https://github.com/opensafely/no-such-private-study");
    call("POST", base + "controller/v1/rap/create/", CLIENT, missingRepo.encode());

    // a RAP whose chain succeeds and one whose job fails
    String rap = JobIds.newRapId();
    assertEquals(
        201,
        call(
            "POST",
            base + "controller/v1/rap/create/",
            CLIENT,
            study.createBody(rap, "secure", List.of("report", "fails")).encode()));
    JsonArray jobs = awaitFinal(base, rap);
    for (Object o : jobs) {
      JsonObject j = (JsonObject) o;
      String expected = j.getString("action").equals("fails") ? "failed" : "succeeded";
      assertEquals(
          expected,
          j.getString("status"),
          j.encode() + "\n" + controller.output() + "\n" + agent.output());
    }

    // everything either process shows or wrote
    List<String> outputs = new ArrayList<>(answers);
    outputs.add(fetch(base + "metrics", null));
    outputs.add(fetch(base + "ops/api/summary", "Bearer " + OPS));
    outputs.add(fetch(base + "ops/", "Bearer " + OPS));
    outputs.add(fetch("http://localhost:" + ag.get("AGENT_PORT") + "/metrics", null));
    agent.terminate();
    controller.terminate();
    outputs.add(controller.output());
    outputs.add(agent.output());
    // what is searched is what was shown: the listener's line, the failed job's own output
    assertTrue(
        controller.output().contains("Controller listening on https://"), controller.output());
    List<Path> files;
    try (Stream<Path> walk = Files.walk(agentWorkdir)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    assertTrue(
        files.stream().anyMatch(f -> f.toString().endsWith("fails.log")),
        "the failed job's log is among the files searched: " + files);
    for (Path f : files) {
      outputs.add(f + "\n" + new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
    }
    for (String out : outputs) {
      for (String s : SECRETS) {
        assertFalse(out.contains(s), "a secret in:\n" + out);
      }
      assertFalse(out.contains(MARK), "part of a secret in:\n" + out);
    }
    assertTrue(
        agent.output().contains("failing on purpose")
            || files.stream().anyMatch(f -> read(f).contains("failing on purpose")),
        "the job's own output is kept");
  }

  private static String read(Path f) {
    try {
      return Files.readString(f, StandardCharsets.ISO_8859_1);
    } catch (Exception e) {
      return "";
    }
  }

  private void awaitReady(String url) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline && controller.process.isAlive()) {
      try {
        if (https
                .send(
                    HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200) {
          return;
        }
      } catch (Exception e) {
        // not yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("controller not ready:\n" + controller.output());
  }

  private JsonArray awaitFinal(String base, String rap) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
    JsonArray jobs = new JsonArray();
    while (System.nanoTime() < deadline) {
      String body =
          fetchPost(
              base + "controller/v1/rap/status/",
              new JsonObject().put("rap_ids", new JsonArray().add(rap)).encode());
      jobs = new JsonObject(body).getJsonArray("jobs");
      if (!jobs.isEmpty()
          && jobs.stream()
              .allMatch(
                  o ->
                      List.of("succeeded", "failed")
                          .contains(((JsonObject) o).getString("status")))) {
        return jobs;
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        "timed out: " + jobs.encodePrettily() + "\n" + controller.output() + "\n" + agent.output());
  }

  private int call(String method, String url, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Authorization", token);
    b =
        body == null
            ? b.GET()
            : b.header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = https.send(b.build(), HttpResponse.BodyHandlers.ofString());
    answers.add(r.statusCode() + " " + r.headers().map() + " " + r.body());
    return r.statusCode();
  }

  private String fetchPost(String url, String body) throws Exception {
    HttpResponse<String> r =
        https.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", CLIENT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    answers.add(r.body());
    return r.body();
  }

  private String fetch(String url, String auth) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    if (auth != null) {
      b.header("Authorization", auth);
    }
    HttpResponse<String> r = https.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), url + ": " + r.body());
    return url + "\n" + r.body();
  }
}

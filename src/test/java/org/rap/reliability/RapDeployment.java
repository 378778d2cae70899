package org.rap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.rap.it.AgentHarness;
import org.rap.it.JarProcess;
import org.rap.it.StudyRepo;
import org.rap.testing.TestTokens;

/**
 * A controller and an agent as separate {@code java -jar target/rap.jar} processes on fixed
 * loopback ports (so either can be killed and started again in place), a study repository made on
 * the fly, and the RAP API driven as job-server drives it. Jobs run in the real Docker engine;
 * containers are seen from outside through the {@code docker} CLI.
 */
final class RapDeployment implements AutoCloseable {
  static final String CLIENT_TOKEN = TestTokens.CLIENT;
  static final String AGENT_TOKEN = TestTokens.AGENT;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  final StudyRepo study;
  final Path agentWorkdir;
  final int controllerPort;
  final String api;
  private final Map<String, String> controllerEnv = new HashMap<>();
  private final Map<String, String> agentEnv = new HashMap<>();
  private final List<JarProcess> controllers = new ArrayList<>();
  private final List<JarProcess> agents = new ArrayList<>();
  private final Set<String> jobIds = new LinkedHashSet<>();

  /**
   * @param databaseUrl the controller's {@code DATABASE_URL} (migrated here)
   * @param files the study's files, {@code project.yaml} among them
   * @param controllerSettings extra controller settings (e.g. {@code JAVA_TOOL_OPTIONS})
   */
  RapDeployment(
      Path tmp,
      String databaseUrl,
      Map<String, String> files,
      Map<String, String> controllerSettings)
      throws Exception {
    study = StudyRepo.of(tmp.resolve("study"), files);
    controllerPort = JarProcess.freePort();
    api = "http://127.0.0.1:" + controllerPort + "/controller/v1/";
    Map<String, String> common = new HashMap<>();
    common.put("BACKENDS", "test");
    common.put("ALLOW_LOCAL_GIT_REPOS", "true");
    common.put("JOB_LOOP_INTERVAL", "1.0");
    controllerEnv.putAll(common);
    controllerEnv.put("WORKDIR", Files.createDirectories(tmp.resolve("controller")).toString());
    controllerEnv.put("DATABASE_URL", databaseUrl);
    controllerEnv.put("CONTROLLER_HOST", "127.0.0.1");
    controllerEnv.put("CONTROLLER_PORT", String.valueOf(controllerPort));
    controllerEnv.put("TEST_CLIENT_TOKENS", CLIENT_TOKEN);
    controllerEnv.put("TEST_JOB_SERVER_TOKEN", AGENT_TOKEN);
    controllerEnv.put("CONTROLLER_ALLOWED_HOSTS", "127.0.0.1,localhost");
    controllerEnv.put("TEST_MAX_WORKERS", "8");
    controllerEnv.put("MAINTENANCE_ENABLED_BACKENDS", "");
    controllerEnv.put("DATA_CHECK_ENABLED_BACKENDS", "");
    controllerEnv.putAll(controllerSettings);
    agentWorkdir = Files.createDirectories(tmp.resolve("agent"));
    agentEnv.putAll(common);
    agentEnv.put("WORKDIR", agentWorkdir.toString());
    agentEnv.put("BACKEND", "test");
    agentEnv.put("CONTROLLER_TASK_API_ENDPOINT", "http://127.0.0.1:" + controllerPort + "/");
    agentEnv.put("CONTROLLER_TASK_API_TOKEN", AGENT_TOKEN);
    agentEnv.put("USING_DUMMY_DATA_BACKEND", "true");
    agentEnv.put("DOCKER_PROXY", "none");
    agentEnv.put("AGENT_HOST", "127.0.0.1");
    agentEnv.put("AGENT_PORT", String.valueOf(JarProcess.freePort()));
    agentEnv.put("STATS_POLL_INTERVAL", "1");
    JarProcess.Result migrated = JarProcess.run(controllerEnv, "migrate");
    assertEquals(0, migrated.exit(), migrated.output());
  }

  // ------------------------------------------------------------------------------ processes

  /** Starts a controller and waits until it is ready. */
  JarProcess startController() throws Exception {
    JarProcess c = JarProcess.start(controllerEnv, "--role=controller");
    controllers.add(c);
    String ready = "http://127.0.0.1:" + controllerPort + "/health/ready";
    assertEquals(200, c.awaitStatus(ready, 200, Duration.ofSeconds(120)), logs());
    return c;
  }

  JarProcess startAgent() throws Exception {
    return startAgent(Map.of());
  }

  /** An agent with {@code settings} on top of the deployment's (another id, port, workdir...). */
  JarProcess startAgent(Map<String, String> settings) throws Exception {
    Map<String, String> env = new HashMap<>(agentEnv);
    env.putAll(settings);
    JarProcess a = JarProcess.start(env, "--role=agent");
    agents.add(a);
    return a;
  }

  /** Remembers job ids whose containers {@link #close} removes. */
  void track(String jobId) {
    jobIds.add(jobId);
  }

  JarProcess controller() {
    return controllers.get(controllers.size() - 1);
  }

  JarProcess agent() {
    return agents.get(agents.size() - 1);
  }

  /** SIGKILL, and the proof that it was one (a JVM killed by signal 9 exits with 128 + 9). */
  static void killMinus9(JarProcess p) throws Exception {
    p.process.destroyForcibly();
    assertTrue(p.process.waitFor(30, TimeUnit.SECONDS), "did not die");
    assertEquals(137, p.process.exitValue(), "killed by SIGKILL, not stopped gracefully");
  }

  String logs() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < controllers.size(); i++) {
      sb.append("\n--- controller ").append(i + 1).append('\n').append(output(controllers.get(i)));
    }
    for (int i = 0; i < agents.size(); i++) {
      sb.append("\n--- agent ").append(i + 1).append('\n').append(output(agents.get(i)));
    }
    return sb.toString();
  }

  static String output(JarProcess p) {
    try {
      return p.output();
    } catch (Exception e) {
      return e.toString();
    }
  }

  // ------------------------------------------------------------------------------ RAP API

  JsonObject createBody(String rapId, String workspace, List<String> actions) {
    return study.createBody(rapId, workspace, actions);
  }

  HttpResponse<String> post(String path, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(api + path))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", CLIENT_TOKEN)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(api + path))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", CLIENT_TOKEN)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** rap/create, expecting 201. */
  void create(String rapId, String workspace, String... actions) throws Exception {
    HttpResponse<String> r =
        post("rap/create/", createBody(rapId, workspace, List.of(actions)).encode());
    assertEquals(201, r.statusCode(), r.body() + logs());
  }

  /** The RAP's jobs from rap/status (remembered for container clean-up). */
  JsonArray jobs(String rapId) throws Exception {
    HttpResponse<String> r =
        post("rap/status/", new JsonObject().put("rap_ids", new JsonArray().add(rapId)).encode());
    assertEquals(200, r.statusCode(), r.body());
    JsonArray jobs = new JsonObject(r.body()).getJsonArray("jobs");
    jobs.forEach(j -> jobIds.add(((JsonObject) j).getString("identifier")));
    return jobs;
  }

  /** Polls rap/status every {@code pollMillis} until {@code done}; fails after {@code max}. */
  JsonArray awaitJobs(String rapId, Predicate<JsonArray> done, Duration max, long pollMillis)
      throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    JsonArray jobs = new JsonArray();
    while (System.nanoTime() < deadline) {
      try {
        jobs = jobs(rapId);
        if (done.test(jobs)) {
          return jobs;
        }
      } catch (IOException e) {
        // the controller is restarting
      }
      Thread.sleep(pollMillis);
    }
    throw new AssertionError("timed out; jobs: " + jobs.encodePrettily() + logs());
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

  // ------------------------------------------------------------------------------ Docker

  /**
   * How many times the job's container was started since {@code sinceEpochSeconds}, from {@code
   * docker events} (the agent removes containers at the end, so their list could not tell).
   */
  static int containerStarts(String jobId, long sinceEpochSeconds) throws Exception {
    String out =
        docker(
            "events",
            "--since",
            String.valueOf(sinceEpochSeconds),
            "--until",
            String.valueOf(System.currentTimeMillis() / 1000 + 1),
            "--filter",
            "type=container",
            "--filter",
            "event=start",
            "--filter",
            "container=os-job-" + jobId,
            "--format",
            "{{.Actor.Attributes.name}}");
    int n = 0;
    for (String line : out.split("\n")) {
      if (line.strip().equals("os-job-" + jobId)) {
        n++;
      }
    }
    return n;
  }

  static String docker(String... args) throws Exception {
    return AgentHarness.docker(args);
  }

  @Override
  public void close() {
    agents.forEach(JarProcess::close);
    controllers.forEach(JarProcess::close);
    for (String id : jobIds) {
      try {
        docker("rm", "-f", "os-job-" + id);
      } catch (Exception e) {
        System.err.println("could not remove os-job-" + id + ": " + e);
      }
    }
  }
}

package org.rap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.model.JobIds;

/**
 * The agent's operator commands as an operator runs them on the agent's host: a controller and an
 * agent jar (SQLite, real Docker), two long-running jobs, then {@code rap agent status}, {@code rap
 * kill-job --retry} (the job runs again with a new task), {@code rap kill-job --fail} with the
 * agent running (it finalizes and reports) and with the agent stopped (the command reports itself),
 * and the leftovers {@code agent status} flags afterwards.
 */
class AgentOperatorCommandsIT {
  private static final String CLIENT_TOKEN = "ops-client-token-0123456789abcdef0123456789";
  private static final String AGENT_TOKEN = "ops-agent-token-0123456789abcdef0123456789ab";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path tmp;
  private JarProcess controller;
  private JarProcess agent;
  private String commit;
  private Map<String, String> agentEnv;

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.terminate();
    }
    if (controller != null) {
      controller.terminate();
    }
    if (agentEnv != null) {
      // whatever a failed run left: this test's job containers only (the job ids are its own)
      for (String id : jobIds) {
        new ProcessBuilder("docker", "rm", "-f", "os-job-" + id).start().waitFor();
      }
    }
  }

  private List<String> jobIds = List.of();

  @Test
  void killJobAndAgentStatusOnARunningBackend() throws Exception {
    String repo = makeStudyRepo();
    int controllerPort = JarProcess.freePort();
    Map<String, String> common = new HashMap<>();
    common.put("BACKENDS", "test");
    common.put("ALLOW_LOCAL_GIT_REPOS", "true");
    common.put("LOCAL_IMAGES_ONLY", "true");
    common.put("JOB_LOOP_INTERVAL", "0.5");
    Map<String, String> ctl = new HashMap<>(common);
    ctl.put("WORKDIR", Files.createDirectories(tmp.resolve("controller")).toString());
    ctl.put("CONTROLLER_PORT", String.valueOf(controllerPort));
    ctl.put("CONTROLLER_ALLOWED_HOSTS", "localhost");
    ctl.put("TEST_CLIENT_TOKENS", CLIENT_TOKEN);
    ctl.put("TEST_JOB_SERVER_TOKEN", AGENT_TOKEN);
    ctl.put("MAINTENANCE_ENABLED_BACKENDS", "");
    ctl.put("DATA_CHECK_ENABLED_BACKENDS", "");
    assertEquals(0, JarProcess.run(ctl, "migrate").exit());
    controller = JarProcess.start(ctl, "--role=controller");
    agentEnv = new HashMap<>(common);
    Path agentWorkdir = Files.createDirectories(tmp.resolve("agent"));
    agentEnv.put("WORKDIR", agentWorkdir.toString());
    agentEnv.put("BACKEND", "test");
    agentEnv.put("CONTROLLER_TASK_API_ENDPOINT", "http://localhost:" + controllerPort + "/");
    agentEnv.put("CONTROLLER_TASK_API_TOKEN", AGENT_TOKEN);
    agentEnv.put("USING_DUMMY_DATA_BACKEND", "true");
    agentEnv.put("AGENT_HOST", "127.0.0.1");
    agentEnv.put("AGENT_PORT", String.valueOf(JarProcess.freePort()));
    agent = JarProcess.start(agentEnv, "--role=agent");
    String base = "http://localhost:" + controllerPort + "/";
    assertEquals(200, controller.awaitStatus(base + "health/ready", 200, Duration.ofSeconds(60)));

    String rapId = JobIds.newRapId();
    post(base, "rap/create/", createBody(rapId, repo), 201);
    JsonArray jobs =
        await(
            base,
            rapId,
            js -> js.size() == 2 && js.stream().allMatch(j -> code(j).equals("executing")));
    String a = id(jobs, "slow_a");
    String b = id(jobs, "slow_b");
    jobIds = List.of(a, b);

    // --- agent status: both jobs, their tasks and running containers
    JarProcess.Result status = JarProcess.run(agentEnv, "agent", "status");
    assertEquals(0, status.exit(), status.output());
    assertTrue(status.output().contains("agent process: running on 127.0.0.1:"), status.output());
    assertTrue(
        status.output().contains("controller: 2 active task(s) (2 runjob)"), status.output());
    for (String id : List.of(a, b)) {
      assertTrue(
          status
              .output()
              .lines()
              .anyMatch(
                  l ->
                      l.contains(id)
                          && l.contains(id + "-001")
                          && l.contains("executing")
                          && l.contains("Up ")),
          status.output());
    }
    // (the Docker engine is shared with other tests: only this test's jobs must not be leftovers)
    assertTrue(
        status
            .output()
            .lines()
            .noneMatch(l -> l.contains("no active task") && (l.contains(a) || l.contains(b))),
        status.output());

    // --- no terminal and no -y: nothing happens
    JarProcess.Result refused = JarProcess.run(agentEnv, "kill-job", a);
    assertEquals(1, refused.exit(), refused.output());
    assertTrue(refused.output().contains("pass -y"), refused.output());

    // --- --retry by a part of the id: the job runs again with a new task
    JarProcess.Result retry =
        JarProcess.run(agentEnv, "kill-job", a.substring(0, 8), "--retry", "-y");
    assertEquals(0, retry.exit(), retry.output());
    assertTrue(
        retry
            .output()
            .contains("reported to the controller as stage 'error' of task " + a + "-001"),
        retry.output());
    awaitLog(controller, "status=waiting_on_new_task", a);
    await(base, rapId, js -> code(job(js, a)).equals("executing"));
    assertTrue(docker("inspect", "-f", "{{.State.Running}}", "os-job-" + a).contains("true"));

    // --- --fail while the agent runs: the agent finalizes the killed container and reports it
    JarProcess.Result fail = JarProcess.run(agentEnv, "kill-job", a, "--fail", "-y");
    assertEquals(0, fail.exit(), fail.output());
    assertTrue(
        fail.output().contains("The agent on this host finalized and reported the job."),
        fail.output());
    JsonObject failedA = job(await(base, rapId, js -> code(job(js, a)).equals("nonzero_exit")), a);
    assertEquals("failed", failedA.getString("status"));
    assertEquals(
        "Job exited with an error: Job killed by OpenSAFELY admin or memory limits",
        failedA.getString("status_message"));
    assertTrue(
        docker("ps", "-a", "-q", "--filter", "name=^os-job-" + a + "$").isBlank(),
        "container removed");
    assertTrue(!Files.exists(agentWorkdir.resolve("high_privacy/volumes/" + a)), "volume deleted");

    // --- --fail with no agent running: the command finalizes and reports on its own
    agent.terminate();
    agent = null;
    JarProcess.Result alone = JarProcess.run(agentEnv, "kill-job", b, "--fail", "-y");
    assertEquals(0, alone.exit(), alone.output());
    assertTrue(!alone.output().contains("The agent on this host"), alone.output());
    assertTrue(
        alone.output().contains("reported to the controller as stage 'finalized'"), alone.output());
    JsonObject failedB = job(await(base, rapId, js -> code(job(js, b)).equals("nonzero_exit")), b);
    assertEquals("failed", failedB.getString("status"));
    assertTrue(
        Files.exists(agentWorkdir.resolve("medium_privacy/workspaces/ops/metadata/slow_b.log")),
        "job log filed");

    // --- leftovers: a volume no job explains; the agent is down
    Files.createDirectories(agentWorkdir.resolve("high_privacy/volumes/leftover0job0id"));
    JarProcess.Result after = JarProcess.run(agentEnv, "agent", "status");
    assertEquals(0, after.exit(), after.output());
    assertTrue(
        after.output().contains("agent process: NOT answering on 127.0.0.1:"), after.output());
    assertTrue(after.output().contains("Jobs (0):"), after.output());
    assertTrue(
        after
            .output()
            .lines()
            .anyMatch(
                l ->
                    l.contains("volume ")
                        && l.contains("leftover0job0id")
                        && l.contains("no container and no active task")),
        after.output());
    JarProcess.Result json = JarProcess.run(agentEnv, "agent", "status", "--json");
    JsonObject report = new JsonObject(json.output().substring(json.output().indexOf('{')));
    assertTrue(
        report.getJsonArray("leftovers").stream()
            .map(JsonObject.class::cast)
            .anyMatch(
                l ->
                    "volume".equals(l.getString("kind"))
                        && "leftover0job0id".equals(l.getString("job_id"))),
        report.encodePrettily());
    assertTrue(report.getJsonArray("storage").getJsonObject(0).getLong("free_bytes") > 0);

    JarProcess.Result removed = JarProcess.run(agentEnv, "kill-job", "leftover0job0id", "-y");
    assertEquals(0, removed.exit(), removed.output());
    assertTrue(
        removed.output().contains("No active task for job leftover0job0id: removed its volume"),
        removed.output());
    assertTrue(!Files.exists(agentWorkdir.resolve("high_privacy/volumes/leftover0job0id")));

    // --- nothing matches
    JarProcess.Result none = JarProcess.run(agentEnv, "kill-job", "zzzzzz", "-y");
    assertEquals(1, none.exit(), none.output());
    assertTrue(none.output().contains("No job matches 'zzzzzz'"), none.output());
    System.out.println(
        status.output()
            + "\n"
            + retry.output()
            + "\n"
            + fail.output()
            + "\n"
            + alone.output()
            + "\n"
            + after.output());
  }

  // ------------------------------------------------------------------------------------------

  private static String docker(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("docker"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return out;
  }

  private static void awaitLog(JarProcess p, String text, String jobId) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (p.output().lines().anyMatch(l -> l.contains(text) && l.contains("id=" + jobId))) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no log line with " + text + " for " + jobId + ":\n" + p.output());
  }

  private static String code(Object job) {
    return ((JsonObject) job).getString("status_code");
  }

  private static JsonObject job(JsonArray jobs, String id) {
    return jobs.stream()
        .map(JsonObject.class::cast)
        .filter(j -> j.getString("identifier").equals(id))
        .findFirst()
        .orElseThrow();
  }

  private static String id(JsonArray jobs, String action) {
    return jobs.stream()
        .map(JsonObject.class::cast)
        .filter(j -> j.getString("action").equals(action))
        .findFirst()
        .orElseThrow()
        .getString("identifier");
  }

  private JsonArray await(String base, String rapId, Predicate<JsonArray> done) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    JsonArray jobs = new JsonArray();
    while (System.nanoTime() < deadline) {
      jobs =
          post(
                  base,
                  "rap/status/",
                  new JsonObject().put("rap_ids", new JsonArray().add(rapId)),
                  200)
              .getJsonArray("jobs");
      if (done.test(jobs)) {
        return jobs;
      }
      Thread.sleep(250);
    }
    throw new AssertionError(
        "timed out: "
            + jobs.encodePrettily()
            + "\n"
            + controller.output()
            + "\n"
            + (agent == null ? "" : agent.output()));
  }

  private static JsonObject post(String base, String path, JsonObject body, int expected)
      throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + "controller/v1/" + path))
                .header("Authorization", CLIENT_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(expected, r.statusCode(), path + " -> " + r.body());
    return new JsonObject(r.body());
  }

  private JsonObject createBody(String rapId, String repo) {
    return new JsonObject()
        .put("backend", "test")
        .put("rap_id", rapId)
        .put("workspace", "ops")
        .put("repo_url", repo)
        .put("branch", "main")
        .put("commit", commit)
        .put("database_name", "default")
        .put("requested_actions", new JsonArray().add("slow_a").add("slow_b"))
        .put("codelists_ok", true)
        .put("force_run_dependencies", false)
        .put("created_by", "alice")
        .put("project", "ops-project")
        .put("orgs", new JsonArray().add("opensafely"))
        .put("analysis_scope", new JsonObject());
  }

  private String makeStudyRepo() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("study"));
    StringBuilder yaml = new StringBuilder("version: \"4.0\"\nactions:\n");
    for (String name : List.of("a", "b")) {
      yaml.append("  slow_")
          .append(name)
          .append(":\n    run: python:v2 sh -c 'mkdir -p output; echo x > output/")
          .append(name)
          .append(".csv; sleep 600'\n    outputs:\n      moderately_sensitive:\n        ")
          .append(name)
          .append(": output/")
          .append(name)
          .append(".csv\n");
    }
    Files.writeString(dir.resolve("project.yaml"), yaml.toString());
    try (Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call()) {
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("RAP test", "rap@example.org");
      commit =
          git.commit()
              .setMessage("study")
              .setAuthor(who)
              .setCommitter(who)
              .setSign(false)
              .call()
              .getName();
    }
    return dir.toAbsolutePath().toString();
  }
}

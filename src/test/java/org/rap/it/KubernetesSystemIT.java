package org.rap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.model.JobIds;
import org.rap.testing.TestTokens;
import org.rap.testing.k8s.FakeNode;
import org.rap.testing.k8s.TestCluster;

/**
 * The whole system with the Kubernetes executor: controller and agent as separate {@code java -jar}
 * processes, the agent with {@code EXECUTOR=kubernetes} talking through a kubeconfig file to the
 * test cluster (fabric8's mock API server, the test Job controller, and the test kubelet running
 * job pods in the local Docker engine, with the agent's storage as the claim). The RAP API is
 * driven as job-server drives it: a chain of three dependent actions with a level-4 exclusion, a
 * failing action, cancellation of a running job, and kill -9 of the agent while a job runs, after
 * which the restarted agent finishes it from the same Kubernetes Job.
 */
@Tag("docker")
@Tag("kubernetes")
class KubernetesSystemIT {
  private static final String CLIENT_TOKEN = TestTokens.CLIENT;
  private static final String AGENT_TOKEN = TestTokens.AGENT;
  private static final String NS = "rap-jobs";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path tmp;
  private TestCluster cluster;
  private KubernetesClient client;
  private Watch jobWatch;
  private final List<String> createdJobs = new CopyOnWriteArrayList<>();
  private JarProcess controller;
  private final List<JarProcess> agents = new ArrayList<>();
  private Map<String, String> agentEnv;
  private String api;
  private Path agentWorkdir;
  private StudyRepo study;

  @BeforeEach
  void start() throws Exception {
    agentWorkdir = Files.createDirectories(tmp.resolve("agent"));
    cluster =
        TestCluster.start(
            FakeNode.withLabels(Map.of("rap.opensafely.org/backend", "test")),
            Map.of("rap-storage", agentWorkdir));
    client = cluster.client(NS);
    jobWatch =
        client
            .batch()
            .v1()
            .jobs()
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Job job) {
                    if (action == Action.ADDED) {
                      createdJobs.add(job.getMetadata().getName());
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    study =
        StudyRepo.demoWith(
            tmp.resolve("study"),
            "\n  fails:\n"
                + "    run: python:v2 sh -c 'echo about to fail; exit 3'\n"
                + "    outputs:\n"
                + "      moderately_sensitive:\n"
                + "        failed: output/failed.csv\n"
                + "  slow:\n"
                + "    run: python:v2 sh -c 'mkdir -p output; echo before; sleep 10; echo after;"
                + " echo done > output/slow.csv'\n"
                + "    outputs:\n"
                + "      moderately_sensitive:\n"
                + "        slow: output/slow.csv\n"
                + "  wait_forever:\n"
                + "    run: python:v2 sh -c 'sleep 600'\n"
                + "    outputs:\n"
                + "      moderately_sensitive:\n"
                + "        never: output/never.csv\n");

    int controllerPort = JarProcess.freePort();
    Map<String, String> common = new HashMap<>();
    common.put("BACKENDS", "test");
    common.put("ALLOW_LOCAL_GIT_REPOS", "true");
    common.put("LOCAL_IMAGES_ONLY", "true");
    common.put("JOB_LOOP_INTERVAL", "1.0");
    Map<String, String> ctl = new HashMap<>(common);
    ctl.put("WORKDIR", Files.createDirectories(tmp.resolve("controller")).toString());
    ctl.put("DATABASE_URL", "sqlite:" + tmp.resolve("controller/db.sqlite"));
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

    agentEnv = new HashMap<>(common);
    agentEnv.put("WORKDIR", agentWorkdir.toString());
    agentEnv.put("BACKEND", "test");
    agentEnv.put("CONTROLLER_TASK_API_ENDPOINT", "http://localhost:" + controllerPort + "/");
    agentEnv.put("CONTROLLER_TASK_API_TOKEN", AGENT_TOKEN);
    agentEnv.put("USING_DUMMY_DATA_BACKEND", "true");
    agentEnv.put("STATS_POLL_INTERVAL", "1");
    agentEnv.put("EXECUTOR", "kubernetes");
    agentEnv.put("KUBECONFIG", cluster.api().writeKubeconfig(tmp, NS).toString());
    agentEnv.put("K8S_STORAGE_CLAIM", "rap-storage");
    agentEnv.put("K8S_STORAGE_MOUNT", agentWorkdir.toString());
    agentEnv.put("K8S_NODE_SELECTOR", "rap.opensafely.org/backend=test");
    agentEnv.put("K8S_PENDING_TIMEOUT", "120");
    // as the manifests have it: the restarted agent keeps its id and carries on with its task
    agentEnv.put("AGENT_ID", "agent-k8s-it");
    agentEnv.put("DOCKER_USER_ID", "10001");
    agentEnv.put("DOCKER_GROUP_ID", "10001");
    startAgent();
    assertEquals(
        200,
        controller.awaitStatus(
            "http://localhost:" + controllerPort + "/health/ready", 200, Duration.ofSeconds(60)),
        controller.output());
  }

  private JarProcess startAgent() throws Exception {
    agentEnv.put("AGENT_PORT", String.valueOf(JarProcess.freePort()));
    JarProcess agent = JarProcess.start(agentEnv, "--role=agent");
    agents.add(agent);
    return agent;
  }

  @AfterEach
  void stop() throws Exception {
    try {
      JarProcess last = agents.isEmpty() ? null : agents.get(agents.size() - 1);
      for (JarProcess a : agents) {
        if (a != last) {
          a.close();
        }
      }
      int agentExit = last == null ? 0 : last.terminate();
      int controllerExit = controller == null ? 0 : controller.terminate();
      assertEquals(0, agentExit, "agent log:\n" + (last == null ? "" : last.output()));
      assertEquals(0, controllerExit, "controller log:\n" + controller.output());
    } finally {
      if (jobWatch != null) {
        jobWatch.close();
      }
      cluster.close();
    }
  }

  @Test
  void studiesRunAsKubernetesJobsEndToEnd() throws Exception {
    // 1. a chain of three dependent actions; summarise has a file excluded from level 4
    String rap1 = JobIds.newRapId();
    assertEquals(
        3, post("rap/create/", createBody(rap1, List.of("report")), 201).getInteger("count"));
    JsonArray jobs = awaitJobs(rap1, SystemIT::allFinal, Duration.ofMinutes(4));
    for (Object o : jobs) {
      JsonObject j = (JsonObject) o;
      assertEquals("succeeded", j.getString("status"), diagnostics(j));
    }
    assertEquals(
        "Completed successfully, but some file(s) marked as moderately_sensitive were excluded."
            + " See job log for details.",
        SystemIT.byAction(jobs, "summarise").getString("status_message"));
    Path high = agentWorkdir.resolve("high_privacy/workspaces/demo");
    Path medium = agentWorkdir.resolve("medium_privacy/workspaces/demo");
    assertTrue(Files.isRegularFile(high.resolve("output/dataset.csv")));
    assertFalse(Files.exists(medium.resolve("output/dataset.csv")));
    assertTrue(Files.isRegularFile(medium.resolve("output/summary.csv")));
    assertTrue(Files.isRegularFile(medium.resolve("output/report.md")));
    assertFalse(Files.exists(medium.resolve("output/patient_rows.csv")));
    assertTrue(Files.isRegularFile(medium.resolve("output/patient_rows.csv.txt")));
    assertTrue(Files.isRegularFile(medium.resolve("metadata/manifest.json")));
    for (String action : List.of("generate_dataset", "summarise", "report")) {
      assertTrue(Files.isRegularFile(medium.resolve("metadata/" + action + ".log")), action);
    }
    for (Object o : jobs) {
      String id = ((JsonObject) o).getString("identifier");
      assertEquals(1, createdFor(id), "one Kubernetes Job per job: " + createdJobs);
    }
    // finalized jobs leave no Job, pod, Secret or container behind
    TestCluster.await(
        () ->
            client.batch().v1().jobs().list().getItems().stream()
                .map(j -> j.getMetadata().getName())
                .toList(),
        List::isEmpty);
    assertEquals(
        List.of(),
        client.pods().list().getItems().stream().map(p -> p.getMetadata().getName()).toList());
    assertEquals(
        List.of(),
        client.secrets().list().getItems().stream().map(x -> x.getMetadata().getName()).toList());

    // 2. a failing action
    String rap2 = JobIds.newRapId();
    post("rap/create/", createBody(rap2, List.of("fails")), 201);
    JsonObject failed =
        SystemIT.byAction(awaitJobs(rap2, SystemIT::allFinal, Duration.ofMinutes(2)), "fails");
    assertEquals("failed", failed.getString("status"), diagnostics(failed));
    assertTrue(
        Files.readString(high.resolve("metadata/fails.log")).contains("about to fail"),
        "the pod's output is in the job log");

    // 3. cancellation of a running job deletes its Kubernetes Job and pod
    String rap3 = JobIds.newRapId();
    post("rap/create/", createBody(rap3, List.of("wait_forever")), 201);
    awaitJobs(
        rap3,
        js -> "executing".equals(SystemIT.byAction(js, "wait_forever").getString("status_code")),
        Duration.ofMinutes(2));
    JsonObject cancel =
        post(
            "rap/cancel/",
            new JsonObject()
                .put("rap_id", rap3)
                .put("actions", new JsonArray().add("wait_forever")),
            200);
    assertEquals("Success", cancel.getString("result"), cancel.encode());
    JsonObject cancelled =
        SystemIT.byAction(
            awaitJobs(rap3, SystemIT::allFinal, Duration.ofMinutes(1)), "wait_forever");
    assertEquals("cancelled_by_user", cancelled.getString("status_code"));
    String cancelledId = cancelled.getString("identifier");
    TestCluster.await(
        () -> client.pods().withLabel("rap.opensafely.org/job-id", cancelledId).list().getItems(),
        List::isEmpty);
    TestCluster.await(
        () ->
            cluster.kubelet().containers().stream()
                .noneMatch(c -> c.getNames()[0].contains(cancelledId)),
        gone -> gone);

    // 4. kill -9 of the agent while a job runs; the restarted agent finishes it, run once
    String rap4 = JobIds.newRapId();
    post("rap/create/", createBody(rap4, List.of("slow")), 201);
    JsonObject slow =
        SystemIT.byAction(
            awaitJobs(
                rap4,
                js -> "executing".equals(SystemIT.byAction(js, "slow").getString("status_code")),
                Duration.ofMinutes(2)),
            "slow");
    String slowId = slow.getString("identifier");
    TestCluster.await(
        () -> client.pods().withLabel("rap.opensafely.org/job-id", slowId).list().getItems(),
        pods ->
            pods.size() == 1
                && pods.get(0).getStatus() != null
                && "Running".equals(pods.get(0).getStatus().getPhase()));
    JarProcess first = agents.get(agents.size() - 1);
    first.process.destroyForcibly();
    assertTrue(first.process.waitFor(30, TimeUnit.SECONDS));
    assertEquals(137, first.process.exitValue(), "killed by SIGKILL");
    startAgent();
    JsonObject finished =
        SystemIT.byAction(awaitJobs(rap4, SystemIT::allFinal, Duration.ofMinutes(2)), "slow");
    assertEquals("succeeded", finished.getString("status"), diagnostics(finished));
    assertEquals("done\n", Files.readString(medium.resolve("output/slow.csv")));
    String log = Files.readString(high.resolve("metadata/slow.log"));
    assertTrue(log.contains("before") && log.contains("after"), log);
    assertEquals(1, createdFor(slowId), "the job ran once: " + createdJobs);
  }

  private long createdFor(String jobId) {
    return createdJobs.stream().filter(n -> n.startsWith("os-job-" + jobId)).count();
  }

  private String diagnostics(JsonObject job) throws Exception {
    StringBuilder sb = new StringBuilder(job.encodePrettily());
    sb.append("\n--- controller\n").append(controller.output());
    for (JarProcess a : agents) {
      sb.append("\n--- agent\n").append(a.output());
    }
    return sb.toString();
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
        "timed out; jobs: " + jobs.encodePrettily() + "\n" + diagnostics(new JsonObject()));
  }

  private JsonObject createBody(String rapId, List<String> actions) {
    return study.createBody(rapId, "demo", actions);
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
    return new JsonObject(r.body());
  }
}

package org.rap.agent.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.agent.AgentVerticle;
import org.rap.agent.AgentWiring;
import org.rap.common.config.AgentConfig;
import org.rap.common.config.Settings;

/** The wired agent: poller + handling + metrics + health, against a loopback controller. */
class AgentVerticleTest {
  @TempDir Path workdir;
  final Vertx vertx = Vertx.vertx();
  final FakeExecutor executor = new FakeExecutor();
  final AtomicReference<String> fatalReason = new AtomicReference<>();
  FakeController controller;
  WebClient web;

  @AfterEach
  void tearDown() {
    if (web != null) {
      web.close();
    }
    if (controller != null) {
      controller.stop();
    }
    vertx.close().await();
  }

  AgentVerticle deploy(String token) {
    controller = new FakeController(vertx, "test", "secret-token", true).start();
    AgentConfig config =
        AgentConfig.from(
            Settings.of(
                Map.of(
                    "BACKEND", "test",
                    "CONTROLLER_TASK_API_ENDPOINT", controller.endpoint(),
                    "CONTROLLER_TASK_API_TOKEN", token,
                    "WORKDIR", workdir.toString(),
                    "AGENT_HOST", "127.0.0.1",
                    "AGENT_PORT", "0",
                    "JOB_LOOP_INTERVAL", "0.05",
                    "AGENT_LONG_POLL_SECONDS", "1",
                    "STATS_POLL_INTERVAL", "1")));
    AgentWiring wiring =
        AgentWiring.defaults()
            .withLifecycle(executor)
            .withOnFatal(fatalReason::set)
            .withRepoValidator(RepoValidator.ACCEPT_ALL);
    AgentVerticle agent = new AgentVerticle(config, wiring);
    vertx.deployVerticle(agent).await();
    web = WebClient.create(vertx);
    return agent;
  }

  HttpResponse<Buffer> ready(AgentVerticle agent) {
    return web.get(agent.httpPort(), "127.0.0.1", "/health/ready").send().await();
  }

  @Tag("docker")
  @Test
  void readyWhileDockerAnswersAndHandlesTasks() throws Exception {
    AgentVerticle agent = deploy("secret-token");
    assertEquals(200, ready(agent).statusCode(), ready(agent).bodyAsString());
    controller.add(TestTasks.runJob("job1"));
    PollerVerticleTest.awaitUntil(
        "prepared", () -> controller.stagesFor("job1-001").contains("prepared/false"));
    assertTrue(controller.waits.contains("1"));
    String id = vertx.deploymentIDs().iterator().next();
    // graceful stop: undeploying everything completes
    for (String d : vertx.deploymentIDs()) {
      vertx.undeploy(d).otherwiseEmpty().await();
    }
    assertTrue(vertx.deploymentIDs().isEmpty(), id);
  }

  @Test
  void rejectedTokenMakesTheAgentUnreadyAndCallsTheFatalHook() throws Exception {
    AgentVerticle agent = deploy("wrong");
    PollerVerticleTest.awaitUntil("fatal", () -> fatalReason.get() != null);
    assertTrue(fatalReason.get().contains("CONTROLLER_TASK_API_TOKEN"));
    HttpResponse<Buffer> r = ready(agent);
    assertEquals(503, r.statusCode());
    assertTrue(r.bodyAsString().contains("CONTROLLER_TASK_API_TOKEN"), r.bodyAsString());
    assertEquals(
        200, web.get(agent.httpPort(), "127.0.0.1", "/health/live").send().await().statusCode());
  }

  @Tag("docker")
  @Test
  void defaultWiringUsesTheDockerExecutorAndIsReadyWhenDockerAnswers() throws Exception {
    controller = new FakeController(vertx, "test", "secret-token", false).start();
    AgentConfig config =
        AgentConfig.from(
            Settings.of(
                Map.of(
                    "BACKEND", "test",
                    "CONTROLLER_TASK_API_ENDPOINT", controller.endpoint(),
                    "CONTROLLER_TASK_API_TOKEN", "secret-token",
                    "WORKDIR", workdir.toString(),
                    "AGENT_HOST", "127.0.0.1",
                    "JOB_LOOP_INTERVAL", "0.05",
                    "AGENT_PORT", "0")));
    AgentVerticle agent = new AgentVerticle(config);
    vertx.deployVerticle(agent).await();
    web = WebClient.create(vertx);
    int gets = controller.gets.get();
    PollerVerticleTest.awaitUntil("polls", () -> controller.gets.get() >= gets + 3);
    HttpResponse<Buffer> r = ready(agent);
    assertEquals(200, r.statusCode(), r.bodyAsString());
  }

  @Test
  void executorFactoryFailureFailsStartUpClearly() {
    controller = new FakeController(vertx, "test", "secret-token", true).start();
    AgentConfig config =
        AgentConfig.from(
            Settings.of(
                Map.of(
                    "BACKEND",
                    "test",
                    "CONTROLLER_TASK_API_ENDPOINT",
                    controller.endpoint(),
                    "WORKDIR",
                    workdir.toString(),
                    "AGENT_PORT",
                    "0")));
    try {
      AgentWiring wiring =
          AgentWiring.defaults()
              .withExecutors(
                  (v, c) -> {
                    throw new IllegalStateException("executor not wired: test");
                  });
      vertx.deployVerticle(new AgentVerticle(config, wiring)).await();
      throw new AssertionError("expected the deployment to fail");
    } catch (IllegalStateException e) {
      assertTrue(e.getMessage().contains("executor not wired"), e.getMessage());
    }
  }
}

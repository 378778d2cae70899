package org.rap.agent.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.rap.agent.AgentVerticle;
import org.rap.agent.AgentWiring;
import org.rap.common.config.AgentConfig;
import org.rap.common.config.Settings;
import org.rap.testing.Eventually;

/**
 * The wired agent: poller, executor and metrics verticles talking over the event bus, and the
 * health server, against a loopback controller.
 */
@ExtendWith(VertxExtension.class)
class AgentVerticleTest {
  @TempDir Path workdir;
  Vertx vertx;
  final FakeExecutor executor = new FakeExecutor();
  final AtomicReference<String> fatalReason = new AtomicReference<>();
  FakeController controller;
  WebClient web;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    web = WebClient.create(vertx);
  }

  @AfterEach
  void tearDown() {
    web.close();
    if (controller != null) {
      controller.stop();
    }
  }

  AgentConfig config(String token, String... more) {
    Map<String, String> env =
        new HashMap<>(
            Map.of(
                "BACKEND", "test",
                "CONTROLLER_TASK_API_ENDPOINT", controller.endpoint(),
                "CONTROLLER_TASK_API_TOKEN", token,
                "WORKDIR", workdir.toString(),
                "AGENT_HOST", "127.0.0.1",
                "AGENT_PORT", "0",
                "JOB_LOOP_INTERVAL", "0.05"));
    for (int i = 0; i < more.length; i += 2) {
      env.put(more[i], more[i + 1]);
    }
    return AgentConfig.from(Settings.of(env));
  }

  /** The agent with jobs handled by {@link #executor}, deployed. */
  Future<AgentVerticle> deploy(String token) {
    controller = new FakeController(vertx, "test", "secret-token", true).start();
    AgentWiring wiring =
        AgentWiring.defaults()
            .withLifecycle(executor)
            .withOnFatal(fatalReason::set)
            .withRepoValidator(RepoValidator.ACCEPT_ALL);
    AgentVerticle agent =
        new AgentVerticle(
            config(token, "AGENT_LONG_POLL_SECONDS", "1", "STATS_POLL_INTERVAL", "1"), wiring);
    return vertx.deployVerticle(agent).map(agent);
  }

  Future<HttpResponse<Buffer>> get(AgentVerticle agent, String path) {
    return web.get(agent.httpPort(), "127.0.0.1", path).send();
  }

  @Tag("docker")
  @Test
  void readyWhileDockerAnswersAndHandlesTasks(VertxTestContext ctx) {
    AtomicReference<AgentVerticle> agent = new AtomicReference<>();
    PollerVerticleTest.finish(
        ctx,
        deploy("secret-token")
            .compose(
                a -> {
                  agent.set(a);
                  return get(a, "/health/ready");
                })
            .compose(
                ready -> {
                  assertEquals(200, ready.statusCode(), ready.bodyAsString());
                  controller.add(TestTasks.runJob("job1"));
                  return Eventually.until(
                      vertx,
                      "prepared",
                      () -> controller.stagesFor("job1-001").contains("prepared/false"));
                })
            .compose(
                v -> {
                  assertTrue(controller.waits.contains("1"));
                  // the agent and its three verticles
                  assertEquals(4, vertx.deploymentIDs().size(), vertx.deploymentIDs().toString());
                  // graceful stop: undeploying everything completes
                  return Future.join(
                      vertx.deploymentIDs().stream()
                          .map(d -> vertx.undeploy(d).otherwiseEmpty())
                          .toList());
                })
            .map(
                v -> {
                  assertTrue(vertx.deploymentIDs().isEmpty(), vertx.deploymentIDs().toString());
                  return v;
                }));
  }

  @Test
  void rejectedTokenMakesTheAgentUnreadyAndCallsTheFatalHook(VertxTestContext ctx) {
    AtomicReference<AgentVerticle> agent = new AtomicReference<>();
    PollerVerticleTest.finish(
        ctx,
        deploy("wrong")
            .compose(
                a -> {
                  agent.set(a);
                  return Eventually.until(vertx, "fatal", () -> fatalReason.get() != null);
                })
            .compose(
                v -> {
                  assertTrue(fatalReason.get().contains("CONTROLLER_TASK_API_TOKEN"));
                  return get(agent.get(), "/health/ready");
                })
            .compose(
                r -> {
                  assertEquals(503, r.statusCode());
                  assertTrue(
                      r.bodyAsString().contains("CONTROLLER_TASK_API_TOKEN"), r.bodyAsString());
                  return get(agent.get(), "/health/live");
                })
            .map(
                live -> {
                  assertEquals(200, live.statusCode());
                  return live;
                }));
  }

  @Tag("docker")
  @Test
  void defaultWiringUsesTheDockerExecutorAndIsReadyWhenDockerAnswers(VertxTestContext ctx) {
    controller = new FakeController(vertx, "test", "secret-token", false).start();
    AgentVerticle agent = new AgentVerticle(config("secret-token"));
    AtomicInteger gets = new AtomicInteger();
    PollerVerticleTest.finish(
        ctx,
        vertx
            .deployVerticle(agent)
            .compose(
                id -> {
                  gets.set(controller.gets.get());
                  return Eventually.until(
                      vertx, "polls", () -> controller.gets.get() >= gets.get() + 3);
                })
            .compose(v -> get(agent, "/health/ready"))
            .map(
                r -> {
                  assertEquals(200, r.statusCode(), r.bodyAsString());
                  return r;
                }));
  }

  @Test
  void executorFactoryFailureFailsStartUpClearly(VertxTestContext ctx) {
    controller = new FakeController(vertx, "test", "secret-token", true).start();
    AgentWiring wiring =
        AgentWiring.defaults()
            .withExecutors(
                (v, c) -> {
                  throw new IllegalStateException("executor not wired: test");
                });
    vertx
        .deployVerticle(new AgentVerticle(config("secret-token"), wiring))
        .onComplete(
            ctx.failing(
                e ->
                    ctx.verify(
                        () -> {
                          assertTrue(e.getMessage().contains("executor not wired"), e.getMessage());
                          assertTrue(vertx.deploymentIDs().isEmpty(), "nothing left deployed");
                          ctx.completeNow();
                        })));
  }
}

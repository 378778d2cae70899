package org.rap.agent.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.rap.agent.DockerClients;

/**
 * The Docker DB task runner against the real engine, with the local busybox image tagged as
 * tpp-database-utils and its command overridden (no database network here: network none).
 */
@Tag("docker")
class DockerDbTaskRunnerTest {
  static final String IMAGE = "ghcr.io/opensafely-core/tpp-database-utils:latest";
  static Vertx vertx;
  static DockerClient docker;
  static DockerDbTaskRunner runner;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    docker = DockerClients.create();
    runner =
        new DockerDbTaskRunner(
            vertx,
            docker,
            "ghcr.io/opensafely-core",
            "docker-proxy.opensafely.org/opensafely-core",
            Duration.ofMinutes(1));
  }

  @AfterAll
  static void tearDown() throws Exception {
    assertEquals(
        0,
        docker
            .listContainersCmd()
            .withShowAll(true)
            .withLabelFilter(List.of("jobrunner-dbtask"))
            .exec()
            .size(),
        "DB task containers are removed");
    docker.close();
    vertx.close().await();
  }

  @Test
  void runsTheImageWithTheEnvironmentAndReturnsStdout() {
    String out =
        runner
            .run(
                IMAGE,
                null,
                List.of(
                    "sh",
                    "-c",
                    "echo noise >&2; test \"$DATABASE_URL\" = mssql://u:p@db/x && echo first && echo 'db-maintenance;1'"),
                Map.of("DATABASE_URL", "mssql://u:p@db/x"),
                "none")
            .await();
    assertEquals("first\ndb-maintenance;1\n", out);
  }

  @Test
  void nonZeroExitIsCalledProcessError() {
    try {
      runner
          .run(
              IMAGE,
              null,
              List.of("sh", "-c", "echo partial; exit 3"),
              Map.of("DATABASE_URL", "x"),
              "none")
          .await();
      throw new AssertionError("expected a failure");
    } catch (DbTaskException | CompletionException e) {
      DbTaskException d = e instanceof DbTaskException x ? x : (DbTaskException) e.getCause();
      assertEquals("CalledProcessError", d.type());
      assertTrue(d.getMessage().contains("non-zero exit status 3"), d.getMessage());
    }
  }

  @Test
  void withoutARegistryADigestFallsBackToTheLocalTag() {
    DbTaskRunner noRegistry =
        new DockerDbTaskRunner(
            vertx, docker, "ghcr.io/opensafely-core", "none", Duration.ofMinutes(1));
    String out =
        noRegistry
            .run(IMAGE, "sha256:" + "0".repeat(64), List.of("echo", "OK"), Map.of(), "none")
            .await();
    assertEquals("OK", out.strip());
  }

  @Test
  void withARegistryAnUnpullableDigestIsAnErrorNotTheLocalTag() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    DbTaskRunner registry =
        new DockerDbTaskRunner(
            vertx,
            docker,
            "ghcr.io/opensafely-core",
            "127.0.0.1:" + closed + "/opensafely-core",
            Duration.ofMinutes(1));
    String sha = "sha256:" + "0".repeat(64);
    try {
      registry.run(IMAGE, sha, List.of("echo", "OK"), Map.of(), "none").await();
      throw new AssertionError("expected a failure");
    } catch (DbTaskException e) {
      assertEquals("ImageNotFound", e.type());
      assertTrue(
          e.getMessage()
              .startsWith(
                  "Image 127.0.0.1:"
                      + closed
                      + "/opensafely-core/tpp-database-utils@"
                      + sha
                      + " could not be pulled: "),
          e.getMessage());
    }
  }

  @Test
  void missingImageIsReported() {
    try {
      runner
          .run(
              "ghcr.io/opensafely-core/no-such-image:latest",
              null,
              List.of("true"),
              Map.of(),
              "none")
          .await();
      throw new AssertionError("expected a failure");
    } catch (DbTaskException e) {
      assertEquals("ImageNotFound", e.type());
    }
  }

  @Test
  void handlerEndToEndWithTheRealImage() {
    // the real image takes "in_maintenance_mode"; busybox needs a shell command instead
    DbTaskRunner shell =
        (image, sha, args, env, network) ->
            runner.run(
                image, null, List.of("sh", "-c", "echo starting; echo 'none;2'"), env, "none");
    JsonObject env =
        new DbTaskHandler(shell, Map.of("default", "mssql://u:p@db/x"), "none")
            .envelope(TestTasks.agentTask(TestTasks.dbStatus("db1")))
            .await();
    assertEquals(
        new JsonObject().put("results", new JsonObject().put("status", "")).putNull("error"), env);
  }
}

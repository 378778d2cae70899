package org.rap.agent.executor.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.agent.executor.DbTaskException;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.common.config.AgentConfig;
import org.rap.common.config.Settings;

/**
 * Database tasks on the Docker executor against the real engine, with the local busybox image
 * tagged as tpp-database-utils and its command overridden (no database network here: network none):
 * the hardened container of jobs and the image rule of jobs.
 */
@Tag("docker")
class DockerDbTaskRunnerTest {
  static final String IMAGE = "ghcr.io/opensafely-core/tpp-database-utils:latest";
  static Vertx vertx;
  static DockerApi docker;
  static DockerExecutor runner;
  @TempDir static Path workdir;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    docker = DockerApi.connect();
    runner = executor("docker-proxy.opensafely.org/opensafely-core");
  }

  static DockerExecutor executor(String proxy) {
    return new DockerExecutor(vertx, docker, settings(proxy));
  }

  static ExecutorSettings settings(String proxy) {
    return ExecutorSettings.from(
        AgentConfig.from(
            Settings.of(
                Map.of(
                    "BACKEND", "test",
                    "CONTROLLER_TASK_API_ENDPOINT", "http://localhost:3000/",
                    "WORKDIR", workdir.toString(),
                    "DOCKER_REGISTRY", "ghcr.io/opensafely-core",
                    "DOCKER_PROXY", proxy))));
  }

  @AfterAll
  static void tearDown() throws Exception {
    assertEquals(
        0,
        docker
            .client()
            .listContainersCmd()
            .withShowAll(true)
            .withLabelFilter(List.of(HardenedContainer.DB_TASK_LABEL))
            .exec()
            .size(),
        "DB task containers are removed");
    docker.close();
    vertx.close().await();
  }

  @Test
  void runsTheImageWithTheEnvironmentAndReturnsStdout() {
    String out =
        runner.runDbTask(
            IMAGE,
            null,
            List.of(
                "sh",
                "-c",
                "echo noise >&2; test \"$DATABASE_URL\" = mssql://u:p@db/x && echo first && echo 'db-maintenance;1'"),
            Map.of("DATABASE_URL", "mssql://u:p@db/x"),
            "none");
    assertEquals("first\ndb-maintenance;1\n", out);
  }

  @Test
  void theContainerIsHardenedAsAJobsIs() {
    String out =
        runner.runDbTask(
            IMAGE,
            null,
            List.of(
                "sh",
                "-c",
                "id -u; id -g; echo \"$HOME\"; grep -E '^(CapEff|NoNewPrivs):' /proc/self/status;"
                    + " cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max;"
                    + " ls /sys/class/net"),
            Map.of("DATABASE_URL", "mssql://u:p@db/x"),
            "none");
    String[] user = settings("none").dockerUser().split(":");
    List<String> lines = out.strip().lines().map(String::strip).toList();
    assertEquals(user[0], lines.get(0), "the job user: " + out);
    assertEquals(user[1], lines.get(1), out);
    assertEquals("/tmp", lines.get(2), out);
    assertEquals("CapEff:\t0000000000000000".replace("\t", ""), lines.get(3).replace("\t", ""));
    assertEquals("NoNewPrivs:1", lines.get(4).replace("\t", ""), out);
    assertEquals("4096", lines.get(5), out);
    assertEquals(List.of("lo"), lines.subList(6, lines.size()), "no network: " + out);
  }

  @Test
  void nonZeroExitIsCalledProcessError() {
    DbTaskException d =
        assertThrows(
            DbTaskException.class,
            () ->
                runner.runDbTask(
                    IMAGE,
                    null,
                    List.of("sh", "-c", "echo partial; exit 3"),
                    Map.of("DATABASE_URL", "x"),
                    "none"));
    assertEquals("CalledProcessError", d.type());
    assertTrue(d.getMessage().contains("non-zero exit status 3"), d.getMessage());
  }

  @Test
  void withoutARegistryADigestFallsBackToTheLocalTag() {
    String out =
        executor("none")
            .runDbTask(IMAGE, "sha256:" + "0".repeat(64), List.of("echo", "OK"), Map.of(), "none");
    assertEquals("OK", out.strip());
  }

  @Test
  void withARegistryAnUnpullableDigestIsAnErrorNotTheLocalTag() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    DockerExecutor registry = executor("127.0.0.1:" + closed + "/opensafely-core");
    String sha = "sha256:" + "0".repeat(64);
    DbTaskException e =
        assertThrows(
            DbTaskException.class,
            () -> registry.runDbTask(IMAGE, sha, List.of("echo", "OK"), Map.of(), "none"));
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

  @Test
  void missingImageIsReported() {
    DbTaskException e =
        assertThrows(
            DbTaskException.class,
            () ->
                runner.runDbTask(
                    "ghcr.io/opensafely-core/no-such-image:latest",
                    null,
                    List.of("true"),
                    Map.of(),
                    "none"));
    assertEquals("ImageNotFound", e.type());
  }
}

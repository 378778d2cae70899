package org.rap.agent.executor.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.rap.agent.executor.ExecutorRetry;
import org.rap.agent.executor.JobRun;

/** Small pieces of the Docker executor that need no Docker engine. */
class DockerPartsTest {

  @Test
  void unreachableDockerIsRetryable() throws Exception {
    try (DockerApi none = DockerApi.connect("unix:///nonexistent/docker.sock")) {
      ExecutorRetry e = assertThrows(ExecutorRetry.class, () -> none.inspectContainer("os-job-x"));
      assertTrue(e.getMessage().contains("os-job-x"), e.getMessage());
    }
  }

  @Test
  void dockerTimesParseWithNanoseconds() {
    assertEquals(
        1_700_000_000_123_456_789L, DockerRuns.parseDockerTime("2023-11-14T22:13:20.123456789Z"));
    assertNull(DockerRuns.parseDockerTime("0001-01-01T00:00:00Z"));
  }

  @Test
  void inspectDataIsTheRunsReport() {
    JsonObject inspect =
        new JsonObject()
            .put("Id", "abc")
            .put("Created", "2023-11-14T22:13:19.5Z")
            .put("Image", "sha256:img")
            .put(
                "State",
                new JsonObject()
                    .put("Running", false)
                    .put("Status", "exited")
                    .put("ExitCode", 137)
                    .put("OOMKilled", true)
                    .put("StartedAt", "2023-11-14T22:13:20.123456789Z")
                    .put("FinishedAt", "2023-11-14T22:13:21Z"))
            .put("HostConfig", new JsonObject().put("Memory", 6L << 20))
            .put(
                "Config",
                new JsonObject()
                    .put("Labels", new JsonObject().put("org.opencontainers.image.version", "v1"))
                    .put("Env", new JsonArray().add("DATABASE_URL=secret").add("TZ=UTC")));
    JobRun run = DockerRuns.of(inspect);
    assertEquals("abc", run.id());
    assertEquals(JobRun.Phase.STOPPED, run.phase());
    assertEquals(1_700_000_000L - 1, run.createdAtEpochSeconds());
    assertEquals(1_700_000_000_123_456_789L, run.startedAtNs());
    assertEquals(1_700_000_001_000_000_000L, run.finishedAtNs());
    assertEquals(137, run.exitCode());
    assertEquals(true, run.oomKilled());
    assertEquals(6L << 20, run.memoryLimitBytes());
    assertEquals("sha256:img", run.imageId());
    assertEquals("v1", run.labels().getString("org.opencontainers.image.version"));
    assertEquals(
        new JsonArray().add("DATABASE_URL=xxxx-REDACTED-xxxx").add("TZ=UTC"),
        run.metadata().getJsonObject("Config").getJsonArray("Env"),
        "the environment is redacted in the report");
    assertEquals(
        "DATABASE_URL=secret",
        inspect.getJsonObject("Config").getJsonArray("Env").getString(0),
        "the inspect data itself is untouched");
    assertEquals(
        JobRun.Phase.RUNNING,
        DockerRuns.of(new JsonObject().put("State", new JsonObject().put("Running", true)))
            .phase());
    assertEquals(
        JobRun.Phase.CREATED,
        DockerRuns.of(new JsonObject().put("State", new JsonObject().put("Status", "created")))
            .phase());
  }
}

package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.config.AgentConfig;
import org.rap.common.config.ConfigException;
import org.rap.common.config.JobOutputLimits;
import org.rap.common.config.Settings;
import org.rap.common.model.Privacy;

/** Small pieces of the executor that need no Docker engine. */
class ExecutorPartsTest {

  @Test
  void memoryLimitsParseLikeDocker() {
    assertEquals(4L * 1024 * 1024 * 1024, MemoryLimit.parse("4G"));
    assertEquals(512L * 1024 * 1024, MemoryLimit.parse("512m"));
    assertEquals(128L * 1024 * 1024 * 1024, MemoryLimit.parse("128GB"));
    assertEquals(1536L * 1024 * 1024, MemoryLimit.parse("1.5g"));
    assertEquals(1000L, MemoryLimit.parse("1000"));
    assertNull(MemoryLimit.parse(""));
    assertThrows(JobFailure.class, () -> MemoryLimit.parse("lots"));
  }

  @Test
  void settingsFromAgentConfig() {
    AgentConfig config =
        AgentConfig.from(
            Settings.of(
                Map.of(
                    "BACKEND", "test",
                    "CONTROLLER_TASK_API_ENDPOINT", "http://localhost:3000/",
                    "WORKDIR", "/srv/rap",
                    "DOCKER_USER_ID", "1000",
                    "DOCKER_GROUP_ID", "1001",
                    "DOCKER_PROXY", "none")));
    ExecutorSettings s = ExecutorSettings.from(config);
    assertEquals("1000:1001", s.dockerUser());
    assertEquals(false, s.pullImages());
    assertEquals(Path.of("/srv/rap/high_privacy/workspaces"), s.highPrivacyWorkspacesDir());
    assertEquals(Path.of("/srv/rap/high_privacy/volumes"), s.highPrivacyVolumeDir());
    assertEquals(Path.of("/srv/rap/high_privacy/logs"), s.jobLogDir());
    assertEquals(Path.of("/srv/rap/repos"), s.reposDir());
    ExecutorSettings defaults =
        ExecutorSettings.from(
            AgentConfig.from(
                Settings.of(
                    Map.of(
                        "BACKEND",
                        "test",
                        "CONTROLLER_TASK_API_ENDPOINT",
                        "http://localhost:3000/"))));
    assertEquals(ExecutorSettings.agentUser(), defaults.dockerUser());
    assertEquals(true, defaults.pullImages());
  }

  @Test
  void outputLimitsAreSettings() {
    Map<String, String> base =
        Map.of("BACKEND", "test", "CONTROLLER_TASK_API_ENDPOINT", "http://localhost:3000/");
    assertEquals(
        JobOutputLimits.DEFAULTS,
        ExecutorSettings.from(AgentConfig.from(Settings.of(base))).outputLimits());
    Map<String, String> set = new HashMap<>(base);
    set.put("MAX_LOG_BYTES", "2M");
    set.put("MAX_OUTPUT_BYTES", "3GiB");
    set.put("MAX_OUTPUT_FILES", "7");
    assertEquals(
        new JobOutputLimits(2L << 20, 3L << 30, 7),
        AgentConfig.from(Settings.of(set)).outputLimits());
    set.put("MAX_LOG_BYTES", "lots");
    Settings bad = Settings.of(set);
    AgentConfig.from(bad);
    ConfigException e = assertThrows(ConfigException.class, bad::throwIfInvalid);
    assertTrue(e.getMessage().contains("MAX_LOG_BYTES must be a size in bytes"), e.getMessage());
  }

  @Test
  void namesTooLongForADirectoryEntryFailTheJob(@TempDir Path dir) {
    Vertx vertx = Vertx.vertx();
    try (DockerExecutor e =
        DockerExecutor.create(vertx, null, ExecutorSettings.local("test", dir), id -> null)) {
      JobFailure ws =
          assertThrows(JobFailure.class, () -> e.workspaceDir(Privacy.HIGH, "w".repeat(256)));
      assertEquals(
          "Workspace name is 256 bytes long; a workspace name may have at most 255 bytes (it names"
              + " a directory)",
          ws.getMessage());
      assertEquals(
          dir.resolve("high_privacy/workspaces/" + "w".repeat(255)),
          e.workspaceDir(Privacy.HIGH, "w".repeat(255)));
      JobFailure action =
          assertThrows(JobFailure.class, () -> DockerExecutor.checkActionName("a".repeat(252)));
      assertTrue(action.getMessage().startsWith("Action name is 252 bytes long"));
      DockerExecutor.checkActionName("a".repeat(251));
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void finalizeMessages() {
    JsonObject killed =
        new JsonObject()
            .put("State", new JsonObject().put("ExitCode", 137).put("OOMKilled", false));
    assertEquals(
        "Job killed by OpenSAFELY admin or memory limits",
        FinalizeMessages.of(killed, false, false, Map.of(), List.of(), List.of()).statusMessage());
    assertEquals(
        "Job cancelled by system",
        FinalizeMessages.of(killed, true, false, Map.of(), List.of(), List.of()).statusMessage());
    JsonObject oom =
        new JsonObject()
            .put("State", new JsonObject().put("ExitCode", 137).put("OOMKilled", true))
            .put("HostConfig", new JsonObject().put("Memory", 6L * 1024 * 1024));
    assertEquals(
        "Job ran out of memory (limit was 0.01GB)",
        FinalizeMessages.of(oom, false, false, Map.of(), List.of(), List.of()).statusMessage());
    JsonObject noLimit = oom.copy().put("HostConfig", new JsonObject().put("Memory", 0));
    assertEquals(
        "Job ran out of memory",
        FinalizeMessages.of(noLimit, false, false, Map.of(), List.of(), List.of()).statusMessage());
    assertEquals(
        "Job errored",
        FinalizeMessages.of(null, false, true, Map.of(), List.of(), List.of()).statusMessage());
    assertEquals(
        "Job cancelled by system",
        FinalizeMessages.of(null, true, true, Map.of(), List.of(), List.of()).statusMessage());
    JsonObject ok = new JsonObject().put("State", new JsonObject().put("ExitCode", 0));
    assertEquals(
        "\n  No outputs found matching patterns:\n - out/a\\nb.csv",
        FinalizeMessages.of(ok, false, false, Map.of(), List.of("out/a\nb.csv"), List.of())
            .statusMessage(),
        "a pattern cannot add a line");
    assertNull(
        FinalizeMessages.of(ok, false, false, Map.of(), List.of(), List.of()).statusMessage(),
        "no outputs at all");
  }

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
        1_700_000_000_123_456_789L,
        DockerExecutor.parseDockerTime("2023-11-14T22:13:20.123456789Z"));
    assertNull(DockerExecutor.parseDockerTime("0001-01-01T00:00:00Z"));
  }
}

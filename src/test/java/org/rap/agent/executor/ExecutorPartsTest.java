package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    JobLayout e = new JobLayout(ExecutorSettings.local("test", dir));
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
        assertThrows(JobFailure.class, () -> JobLayout.checkActionName("a".repeat(252)));
    assertTrue(action.getMessage().startsWith("Action name is 252 bytes long"));
    JobLayout.checkActionName("a".repeat(251));
  }

  /** A stopped run's report with only what the messages read. */
  static JobRun stopped(int exitCode, Boolean oomKilled, long memoryLimit) {
    return new JobRun(
        "c",
        JobRun.Phase.STOPPED,
        null,
        null,
        null,
        exitCode,
        oomKilled,
        memoryLimit,
        "sha256:i",
        new JsonObject(),
        new JsonObject());
  }

  @Test
  void finalizeMessages() {
    JobRun killed = stopped(137, false, 0);
    assertEquals(
        "Job killed by OpenSAFELY admin or memory limits",
        FinalizeMessages.of(killed, false, false, Map.of(), List.of(), List.of()).statusMessage());
    assertEquals(
        "Job cancelled by system",
        FinalizeMessages.of(killed, true, false, Map.of(), List.of(), List.of()).statusMessage());
    JobRun oom = stopped(137, true, 6L * 1024 * 1024);
    assertEquals(
        "Job ran out of memory (limit was 0.01GB)",
        FinalizeMessages.of(oom, false, false, Map.of(), List.of(), List.of()).statusMessage());
    JobRun noLimit = stopped(137, true, 0);
    assertEquals(
        "Job ran out of memory",
        FinalizeMessages.of(noLimit, false, false, Map.of(), List.of(), List.of()).statusMessage());
    assertEquals(
        "Job errored",
        FinalizeMessages.of(null, false, true, Map.of(), List.of(), List.of()).statusMessage());
    assertEquals(
        "Job cancelled by system",
        FinalizeMessages.of(null, true, true, Map.of(), List.of(), List.of()).statusMessage());
    JobRun ok = stopped(0, null, 0);
    assertEquals(
        "\n  No outputs found matching patterns:\n - out/a\\nb.csv",
        FinalizeMessages.of(ok, false, false, Map.of(), List.of("out/a\nb.csv"), List.of())
            .statusMessage(),
        "a pattern cannot add a line");
    assertNull(
        FinalizeMessages.of(ok, false, false, Map.of(), List.of(), List.of()).statusMessage(),
        "no outputs at all");
  }
}

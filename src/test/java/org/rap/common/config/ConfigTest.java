package org.rap.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private static ControllerConfig controller(Map<String, String> env) {
    Settings s = Settings.of(env);
    ControllerConfig c = ControllerConfig.from(s);
    s.throwIfInvalid();
    return c;
  }

  @Test
  void referenceDefaults() {
    ControllerConfig c = controller(Map.of());
    assertEquals(List.of("test", "tpp", "emis", "ted"), c.backendSlugs());
    assertEquals(2, c.backend("test").maxWorkers());
    assertEquals(10, c.backend("tpp").maxWorkers());
    assertEquals(10, c.backend("tpp").maxDbWorkers());
    assertEquals("", c.backend("tpp").jobServerToken(), "no default token: nobody gets in");
    assertEquals(List.of(), c.backend("tpp").clientTokens());
    assertEquals(2.0, c.backend("tpp").jobCpuCount());
    assertEquals("4G", c.backend("tpp").jobMemoryLimit());
    assertEquals(Duration.ofSeconds(1), c.common().jobLoopInterval());
    assertEquals(3000, c.port());
    assertEquals(16_777_216L, c.level4MaxFilesize());
    assertEquals(List.of("tpp"), c.maintenanceEnabledBackends());
    assertEquals("ghcr.io/opensafely-core", c.common().dockerRegistry());
    assertFalse(c.common().allowLocalGitRepos());
    assertTrue(c.common().databaseUrl().isEmpty());
  }

  @Test
  void perBackendVariablesAndDefaultForms() {
    ControllerConfig c =
        controller(
            Map.of(
                "BACKENDS", "tpp,test",
                "TPP_MAX_WORKERS", "15",
                "TPP_MAX_DB_WORKERS", "6",
                "DEFAULT_JOB_CPU_COUNT", "3",
                "TPP_JOB_CPU_COUNT", "4",
                "TPP_JOB_MEMORY_LIMIT", "128G",
                "TPP_CLIENT_TOKENS", "a, b",
                "TEST_JOB_SERVER_TOKEN", "pass",
                "TEST_JOB_CPU_COUNT", ""));
    assertEquals(15, c.backend("tpp").maxWorkers());
    assertEquals(6, c.backend("tpp").maxDbWorkers());
    assertEquals(4.0, c.backend("tpp").jobCpuCount());
    assertEquals(
        3.0, c.backend("test").jobCpuCount(), "empty counts as unset: DEFAULT_ form applies");
    assertEquals("128G", c.backend("tpp").jobMemoryLimit());
    assertEquals(List.of("a", "b"), c.backend("tpp").clientTokens());
    assertEquals("pass", c.backend("test").jobServerToken());
  }

  @Test
  void everyProblemIsNamedInOneMessage() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                controller(
                    Map.of(
                        "BACKENDS", "test",
                        "TEST_MAX_WORKERS", "abc",
                        "JOB_LOOP_INTERVAL", "-1",
                        "DATABASE_URL", "mysql://x")));
    assertEquals(3, e.problems().size(), e.getMessage());
    assertTrue(e.getMessage().contains("TEST_MAX_WORKERS must be a whole number >= 0, got 'abc'"));
    assertTrue(e.getMessage().contains("JOB_LOOP_INTERVAL"));
    assertTrue(e.getMessage().contains("DATABASE_URL"));
  }

  @Test
  void agentRequiresBackendAndEndpoint() {
    Settings s = Settings.of(Map.of("BACKEND", "nope"));
    AgentConfig.from(s);
    ConfigException e = assertThrows(ConfigException.class, s::throwIfInvalid);
    assertTrue(
        e.getMessage()
            .contains("BACKEND nope is not valid, allowed backends are: test, tpp, emis, ted"),
        e.getMessage());
    assertTrue(e.getMessage().contains("CONTROLLER_TASK_API_ENDPOINT is required"));

    Settings ok =
        Settings.of(
            Map.of(
                "BACKEND", "test",
                "CONTROLLER_TASK_API_ENDPOINT", "http://localhost:3000/",
                "WORKDIR", "/tmp/rapwd",
                "PRESTO_TLS_CERT_PATH", "/x"));
    AgentConfig.from(ok);
    ConfigException presto = assertThrows(ConfigException.class, ok::throwIfInvalid);
    assertEquals(
        List.of("Both PRESTO_TLS_KEY_PATH and PRESTO_TLS_CERT_PATH must be defined if either are"),
        presto.problems());
  }

  @Test
  void agentStorageDefaultsUnderWorkdir() {
    Settings s =
        Settings.of(
            Map.of(
                "BACKEND", "test",
                "CONTROLLER_TASK_API_ENDPOINT", "http://localhost:3000/",
                "WORKDIR", "/srv/rap",
                "USING_DUMMY_DATA_BACKEND", "Yes"));
    AgentConfig a = AgentConfig.from(s);
    s.throwIfInvalid();
    assertEquals(Path.of("/srv/rap/high_privacy"), a.highPrivacyStorageBase());
    assertEquals(Path.of("/srv/rap/high_privacy/archives"), a.highPrivacyArchiveDir());
    assertEquals(Path.of("/srv/rap/high_privacy/volumes"), a.highPrivacyVolumeDir());
    assertEquals(Path.of("/srv/rap/medium_privacy"), a.mediumPrivacyStorageBase());
    assertTrue(a.usingDummyDataBackend());
    assertEquals("", a.taskApiToken());
  }

  @Test
  void layersYamlDefaultsThenFileThenEnvironment(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("rap.yaml");
    Files.writeString(file, "CONTROLLER_PORT: 4000\nTPP_MAX_WORKERS: 7\nJOB_LOOP_INTERVAL: 2.5\n");
    Settings s =
        ConfigLoader.load(vertx, Role.CONTROLLER, Optional.of(file), Map.of("TPP_MAX_WORKERS", "9"))
            .await();
    ControllerConfig c = ControllerConfig.from(s);
    s.throwIfInvalid();
    assertEquals(4000, c.port(), "file overrides conf/controller.yaml");
    assertEquals(9, c.backend("tpp").maxWorkers(), "environment overrides the file");
    assertEquals(Duration.ofMillis(2500), c.common().jobLoopInterval());
    assertEquals(5000, c.level4MaxCsvRows(), "from conf/controller.yaml");
  }

  @Test
  void roleAllDefaultsToALocalTestBackend() {
    Settings s = ConfigLoader.load(vertx, Role.ALL, Optional.empty(), Map.of()).await();
    AgentConfig a =
        AgentConfig.from(
            s.withDefaults(Map.of("CONTROLLER_TASK_API_ENDPOINT", "http://localhost:1/"), "test"));
    ControllerConfig c = ControllerConfig.from(s);
    s.throwIfInvalid();
    assertEquals("test", a.backend());
    assertEquals(List.of("test"), c.backendSlugs());
    assertEquals(List.of("localhost", "127.0.0.1", "[::1]"), c.allowedHosts());
  }

  @Test
  void missingConfigFileIsAClearError() {
    Settings s =
        ConfigLoader.load(
                vertx, Role.CONTROLLER, Optional.of(Path.of("/nonexistent/rap.yaml")), Map.of())
            .await();
    ControllerConfig.from(s);
    ConfigException e = assertThrows(ConfigException.class, s::throwIfInvalid);
    assertTrue(e.getMessage().contains("/nonexistent/rap.yaml"), e.getMessage());
  }

  @Test
  void kubernetesConfigMapAndSecretDirectories(@TempDir Path dir) throws Exception {
    Path cm = Files.createDirectories(dir.resolve("cm"));
    Path secret = Files.createDirectories(dir.resolve("secret"));
    Files.writeString(cm.resolve("BACKENDS"), "tpp,test\n");
    Files.writeString(cm.resolve("TPP_MAX_WORKERS"), "15");
    Files.writeString(cm.resolve("..data"), "ignored");
    Files.writeString(secret.resolve("TPP_CLIENT_TOKENS"), "s3cret");
    Settings s =
        ConfigLoader.load(
                vertx,
                Role.CONTROLLER,
                Optional.empty(),
                Map.of("RAP_CONFIG_DIRS", cm + "," + secret, "TPP_MAX_WORKERS", "16"))
            .await();
    ControllerConfig c = ControllerConfig.from(s);
    s.throwIfInvalid();
    assertEquals(List.of("tpp", "test"), c.backendSlugs());
    assertEquals(16, c.backend("tpp").maxWorkers(), "environment still wins");
    assertEquals(List.of("s3cret"), c.backend("tpp").clientTokens());
  }
}

package org.rap.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.telemetry.TelemetryConfig;

/** Layering, secrets from files, unknown keys and the one message that lists every problem. */
class ConfigLoaderTest {
  @TempDir Path dir;

  private Settings load(Role role, String fileName, String text, Map<String, String> env)
      throws Exception {
    Optional<Path> file = Optional.empty();
    if (fileName != null) {
      file = Optional.of(Files.writeString(dir.resolve(fileName), text));
    }
    return ConfigLoader.read(role, file, env);
  }

  private static ConfigException problems(Settings s, Role role) {
    if (role.runsController()) {
      ControllerConfig.from(s);
    }
    if (role.runsAgent()) {
      AgentConfig.from(s);
    }
    return assertThrows(ConfigException.class, s::throwIfInvalid);
  }

  @Test
  void typosAndOurPrefixesAreErrorsWithDidYouMean() throws Exception {
    Settings s =
        load(
            Role.CONTROLLER,
            "settings.env",
            "CONTROLER_PORT=3902\nTPP_MAX_WORKER=3\nCONTROLLER_LISTEN_PORT=1\nRAP_FOO=1\n"
                + "POSTGRES_PASSWORD=x\nSOMETHING_ELSE=1\nTPP_WORKERS=2\n",
            Map.of("BACKENDS", "tpp", "BACKEND", "tpp", "CONTROLER_HOST", "x"));
    // (the environment's problems come after the file's)
    ConfigException e = problems(s, Role.CONTROLLER);
    String file = dir.resolve("settings.env").toString();
    assertTrue(
        e.problems()
            .contains(
                "CONTROLER_PORT (from "
                    + file
                    + " line 1) is not a known setting; did you mean CONTROLLER_PORT?"),
        e.getMessage());
    assertTrue(
        e.getMessage()
            .contains(
                "TPP_MAX_WORKER (from "
                    + file
                    + " line 2) is not a known setting; did you mean TPP_MAX_WORKERS?"));
    assertTrue(
        e.getMessage()
            .contains(
                "CONTROLLER_LISTEN_PORT (from "
                    + file
                    + " line 3) is not a known setting; known CONTROLLER_ settings: CONTROLLER_ALLOWED_HOSTS, CONTROLLER_CA_FILE, CONTROLLER_HOST, CONTROLLER_PORT, CONTROLLER_TASK_API_ENDPOINT, CONTROLLER_TASK_API_TOKEN\n"),
        e.getMessage());
    assertTrue(
        e.getMessage().contains("RAP_FOO (from " + file + " line 4) is not a known setting"));
    assertTrue(e.getMessage().contains("TPP_WORKERS (from " + file + " line 7)"));
    assertTrue(
        e.getMessage()
            .contains(
                "CONTROLER_HOST (from environment) is not a known setting; did you mean CONTROLLER_HOST?"));
    assertFalse(e.getMessage().contains("POSTGRES_PASSWORD"), "a compose setting beside ours");
    assertFalse(e.getMessage().contains("SOMETHING_ELSE"), "not ours: ignored");
    assertEquals(6, e.problems().size(), e.getMessage());
  }

  @Test
  void theSharedEnvironmentIsHeldToNearMissesAndRolePrefixes() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", "/usr/bin");
    env.put("JAVA_HOME", "/jdk");
    env.put("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt");
    env.put("RAP_TEST_PG_URL", "postgresql://x");
    env.put("TPP_SOMETHING", "1");
    env.put("OTEL_BSP_SCHEDULE_DELAY", "100");
    // Kubernetes service links of services named rap-controller and agent
    env.put("RAP_CONTROLLER_SERVICE_HOST", "10.0.0.1");
    env.put("RAP_CONTROLLER_PORT", "tcp://10.0.0.1:3000");
    env.put("AGENT_PORT_3001_TCP_ADDR", "10.0.0.2");
    env.put("AGENT_SERVICE_PORT_HTTP", "3001");
    env.put("BACKENDS", "tpp");
    Settings s = load(Role.CONTROLLER, null, null, env);
    ControllerConfig.from(s);
    s.throwIfInvalid();
  }

  @Test
  void everyConfigurationErrorIsInOneMessage() throws Exception {
    Settings s =
        load(
            Role.ALL,
            "rap.yaml",
            "CONTROLLER_PORT: 99999\nCONTROLER_PORT: 3\nAGENT_PORT: -1\n",
            Map.of("EXECUTOR", "podman", "CONTROLLER_TASK_API_ENDPOINT", "localhost:3000"));
    ConfigException e = problems(s, Role.ALL);
    String file = dir.resolve("rap.yaml").toString();
    assertTrue(
        e.problems()
            .contains(
                "CONTROLLER_PORT must be a port number from 0 to 65535, got '99999' (from "
                    + file
                    + " line 1)"),
        e.getMessage());
    assertTrue(e.getMessage().contains("CONTROLER_PORT (from " + file + " line 2)"));
    assertTrue(e.getMessage().contains("AGENT_PORT must be a port number"));
    assertTrue(e.getMessage().contains("EXECUTOR must be docker or kubernetes"));
    assertTrue(e.getMessage().contains("CONTROLLER_TASK_API_ENDPOINT must be an http(s) URL"));
    assertEquals(5, e.problems().size(), e.getMessage());
    assertTrue(e.getMessage().startsWith("Invalid configuration:\n  "));
  }

  @Test
  void anAgentIgnoresTheControllersDatabaseAndAcceptsTheReferenceExecutor() throws Exception {
    Map<String, String> env =
        Map.of(
            "BACKEND", "test",
            "CONTROLLER_TASK_API_ENDPOINT", "https://controller.example.org/",
            "CONTROLLER_TASK_API_TOKEN", "t",
            "DATABASE_URL", "mssql://user:pass@db:1433/x",
            "EXECUTOR", "jobrunner.executors.local:LocalDockerAPI",
            "TPP_CLIENT_TOKENS_FILE", "/run/secrets/not-mounted-here");
    Settings s = load(Role.AGENT, null, null, env);
    AgentConfig a = AgentConfig.from(s);
    s.throwIfInvalid();
    assertEquals("docker", a.executor());
    // the controller does read DATABASE_URL, and never shows its password
    Settings c =
        load(Role.CONTROLLER, null, null, Map.of("DATABASE_URL", "mssql://user:pass@db/x"));
    ConfigException e = problems(c, Role.CONTROLLER);
    assertTrue(e.getMessage().contains("DATABASE_URL must be postgresql://"), e.getMessage());
    assertFalse(e.getMessage().contains("pass@"), e.getMessage());
  }

  @Test
  void secretsFromFiles() throws Exception {
    Path token =
        Files.writeString(dir.resolve("tpp_token"), "a-token-from-a-mounted-secret-file\n");
    Path clients = Files.writeString(dir.resolve("clients"), "one,two\r\n");
    Settings s =
        load(
            Role.CONTROLLER,
            "rap.yaml",
            "TPP_CLIENT_TOKENS_FILE: " + clients + "\n",
            Map.of("BACKENDS", "tpp", "TPP_JOB_SERVER_TOKEN_FILE", token.toString()));
    ControllerConfig c = ControllerConfig.from(s);
    s.throwIfInvalid();
    assertEquals("a-token-from-a-mounted-secret-file", c.backend("tpp").jobServerToken());
    assertEquals(List.of("one", "two"), c.backend("tpp").clientTokens());

    Settings both =
        load(
            Role.CONTROLLER,
            null,
            null,
            Map.of(
                "BACKENDS",
                "tpp",
                "TPP_JOB_SERVER_TOKEN",
                "x",
                "TPP_JOB_SERVER_TOKEN_FILE",
                token.toString(),
                "OPS_PAGE_TOKEN_FILE",
                dir.resolve("nope").toString()));
    ConfigException e = problems(both, Role.CONTROLLER);
    assertEquals(
        List.of(
            "Both TPP_JOB_SERVER_TOKEN and TPP_JOB_SERVER_TOKEN_FILE are set (in environment): set"
                + " only one of them",
            "OPS_PAGE_TOKEN_FILE names a file that cannot be read: "
                + dir.resolve("nope")
                + " (from environment)"),
        e.problems().stream().sorted().toList());
  }

  @Test
  void theEnvironmentOverridesTheFileWhateverTheForm() throws Exception {
    Path token = Files.writeString(dir.resolve("t"), "from-the-file");
    Settings s =
        load(
            Role.CONTROLLER,
            "rap.env",
            "TPP_JOB_SERVER_TOKEN=from-the-config\n",
            Map.of("BACKENDS", "tpp", "TPP_JOB_SERVER_TOKEN_FILE", token.toString()));
    assertEquals("from-the-file", ControllerConfig.from(s).backend("tpp").jobServerToken());
  }

  /** The registry knows every key the configuration records read: a new setting must be listed. */
  @Test
  void everyKeyReadIsInTheRegistry() {
    Settings s = Settings.of(Map.of("BACKENDS", "test,tpp"));
    ControllerConfig.from(s);
    AgentConfig.from(s);
    TelemetryConfig.from(s, "controller");
    Set<String> unknown = new TreeSet<>();
    for (String key : s.consulted()) {
      if (!KnownKeys.isKnown(key, List.of("test", "tpp"))) {
        unknown.add(key);
      }
    }
    assertEquals(Set.of(), unknown, "add these to ConfigKeys (and conf/*.yaml, docker/env.sample)");
    for (String secret :
        List.of(
            "TPP_CLIENT_TOKENS",
            "TEST_JOB_SERVER_TOKEN",
            "DATABASE_URL",
            "DEFAULT_DATABASE_URL",
            "CONTROLLER_TASK_API_TOKEN",
            "OPS_PAGE_TOKEN",
            "PRIVATE_REPO_ACCESS_TOKEN")) {
      assertTrue(KnownKeys.isSecret(secret), secret);
    }
  }

  @Test
  void editDistance() {
    assertEquals(1, KnownKeys.distance("CONTROLER_PORT", "CONTROLLER_PORT", 2));
    assertEquals(1, KnownKeys.distance("BACKNEDS", "BACKENDS", 2), "a transposition");
    assertEquals(3, KnownKeys.distance("ABCDEFGH", "XYZDEFGH", 2), "beyond the bound");
    assertEquals(Optional.of("LOGLEVEL"), KnownKeys.nearest("loglevel", Set.of("LOGLEVEL"), 2));
    assertEquals(Optional.empty(), KnownKeys.nearest("LOGNAME", Set.of("LOGLEVEL"), 2));
  }
}

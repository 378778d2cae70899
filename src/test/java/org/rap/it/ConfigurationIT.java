package org.rap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.testing.TestTokens;

/**
 * The jar as a new operator meets it: refusals with exit status 2 and one message naming every
 * problem, settings files in the forms deployments use, secrets from files, operator commands
 * before {@code migrate}.
 */
class ConfigurationIT {
  @TempDir Path workdir;

  private Map<String, String> env(String... kv) {
    return JarProcess.env(workdir, kv);
  }

  /** One refusal: exit 2, one message, no stack trace. */
  private static String refused(JarProcess.Result r) {
    assertEquals(2, r.exit(), r.output());
    assertFalse(r.output().contains("\tat "), "no stack trace:\n" + r.output());
    assertFalse(r.output().contains("Exception"), r.output());
    return r.output();
  }

  @Test
  void aControllerWithGuessableTokensRefusesToStartNamingEachOne() throws Exception {
    String out =
        refused(
            JarProcess.run(
                env(
                    "BACKENDS", "test,tpp",
                    "TPP_JOB_SERVER_TOKEN", "token",
                    "TEST_CLIENT_TOKENS", "rap_token_from_a_sample",
                    "CONTROLLER_PORT", String.valueOf(JarProcess.freePort())),
                "--role=controller"));
    assertEquals(1, out.split("Invalid configuration:", -1).length - 1, out);
    for (String name :
        List.of(
            "TEST_JOB_SERVER_TOKEN is not set",
            "TPP_JOB_SERVER_TOKEN is the well-known default 'token'",
            "TEST_CLIENT_TOKENS is too short (23 characters)",
            "TPP_CLIENT_TOKENS is not set",
            "CONTROLLER_ALLOWED_HOSTS is not set")) {
      assertTrue(out.contains(name), name + " missing from:\n" + out);
    }
    assertFalse(out.contains("rap_token_from_a_sample"), out);
    assertFalse(Files.exists(workdir.resolve("db.sqlite")));
  }

  @Test
  void settingsFilesOfEveryFormAndTheirMistakes() throws Exception {
    // the KEY=value file seed deployments use, secrets beside it in files
    Path tokens = Files.createDirectories(workdir.resolve("secrets"));
    Files.writeString(tokens.resolve("agent"), TestTokens.AGENT + "\n");
    Files.writeString(tokens.resolve("client"), TestTokens.CLIENT + "\n");
    int port = JarProcess.freePort();
    Path settings =
        Files.writeString(
            workdir.resolve("settings.env"),
            String.join(
                "\n",
                "# production-like settings",
                "export BACKENDS=test",
                "CONTROLLER_PORT=" + port,
                "CONTROLLER_ALLOWED_HOSTS=\"localhost\"  # job-server calls us so",
                "TEST_JOB_SERVER_TOKEN_FILE=" + tokens.resolve("agent"),
                "TEST_CLIENT_TOKENS_FILE='" + tokens.resolve("client") + "'",
                ""));
    assertEquals(0, JarProcess.run(env(), "migrate", "--config", settings.toString()).exit());
    try (JarProcess p =
        JarProcess.start(env(), "--role=controller", "--config", settings.toString())) {
      String base = "http://localhost:" + port;
      assertEquals(
          200, p.awaitStatus(base + "/health/ready", 200, Duration.ofSeconds(60)), p.output());
      assertEquals(
          200, JarProcess.status(base + "/controller/v1/backend/status/", TestTokens.CLIENT));
      assertEquals(200, JarProcess.status(base + "/test/tasks/", TestTokens.AGENT));
      assertEquals(401, JarProcess.status(base + "/test/tasks/", "token"));
      assertEquals(0, p.terminate(), p.output());
    }

    // a typo, a port out of range and an unknown key of ours: one message, file and line each
    Path typos =
        Files.writeString(
            workdir.resolve("typos.env"),
            "CONTROLER_PORT=3902\nCONTROLLER_PORT=99999\nTEST_WORKERS=3\n");
    String out = refused(JarProcess.run(env(), "--role=controller", "--config", typos.toString()));
    assertTrue(
        out.contains(
            "CONTROLER_PORT (from "
                + typos
                + " line 1) is not a known setting; did you mean"
                + " CONTROLLER_PORT?"),
        out);
    assertTrue(
        out.contains(
            "CONTROLLER_PORT must be a port number from 0 to 65535, got '99999' (from "
                + typos
                + " line 2)"),
        out);
    assertTrue(
        out.contains("TEST_WORKERS (from " + typos + " line 3) is not a known setting"), out);

    // a malformed YAML file is named with its line; so is a JSON one
    Path yaml = Files.writeString(workdir.resolve("bad.yaml"), "BACKENDS: test\n  WORKDIR: [x\n");
    String y = refused(JarProcess.run(env(), "migrate", "--config", yaml.toString()));
    assertTrue(y.contains(yaml + " line 2"), y);
    Path json = Files.writeString(workdir.resolve("bad.json"), "{\"BACKENDS\": \"test\",}");
    String j = refused(JarProcess.run(env(), "pause", "on", "test", "--config", json.toString()));
    assertTrue(j.contains(json + " line 1, column"), j);
  }

  @Test
  void anAgentStartsBesideADatabaseUrlForItsJobsAndTheReferenceExecutor() throws Exception {
    int port = JarProcess.freePort();
    try (JarProcess p =
        JarProcess.start(
            env(
                "BACKENDS", "test",
                "BACKEND", "test",
                "DATABASE_URL", "mssql://user:secret@db.backend.internal:1433/db",
                "EXECUTOR", "jobrunner.executors.local:LocalDockerAPI",
                "CONTROLLER_TASK_API_ENDPOINT", "http://localhost:1/",
                "CONTROLLER_TASK_API_TOKEN", TestTokens.AGENT,
                "AGENT_PORT", String.valueOf(port)),
            "--role=agent")) {
      assertEquals(
          200,
          p.awaitStatus("http://localhost:" + port + "/health/live", 200, Duration.ofSeconds(60)),
          p.output());
      assertEquals(0, p.terminate(), p.output());
    }
    // without its token, it says so
    String out =
        refused(
            JarProcess.run(
                env("BACKEND", "test", "CONTROLLER_TASK_API_ENDPOINT", "http://localhost:1/"),
                "--role=agent"));
    assertTrue(out.contains("CONTROLLER_TASK_API_TOKEN is not set"), out);
  }

  @Test
  void operatorCommandsBeforeMigrateSaySoAndCreateNothing() throws Exception {
    Map<String, String> env = env("BACKENDS", "test");
    List<List<String>> commands =
        List.of(
            List.of("pause", "on", "test"),
            List.of("flags", "get", "--backend", "test"),
            List.of("flags", "set", "paused=true", "--backend", "test", "--create"),
            List.of("db-maintenance", "on", "test"),
            List.of("prepare-for-reboot", "--backend", "test", "-y"),
            List.of("add-job", "https://github.com/opensafely/x", "a", "--backend", "test"),
            List.of("backup"));
    for (List<String> command : commands) {
      JarProcess.Result r = JarProcess.run(env, command.toArray(new String[0]));
      String out = refused(r);
      assertTrue(out.contains("Run `java -jar rap.jar migrate`"), command + ":\n" + out);
      assertFalse(out.contains("--create"), out);
      try (Stream<Path> left = Files.list(workdir)) {
        assertEquals(List.of(), left.toList(), command + " left files behind");
      }
    }
  }
}

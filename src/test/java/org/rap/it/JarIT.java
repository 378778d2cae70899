package org.rap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.controller.db.DatabaseTarget;
import org.rap.testing.TestDatabases;
import org.rap.testing.TestTokens;

/** The jar as operators use it: roles, subcommands, configuration errors, health, shutdown. */
class JarIT {
  @TempDir Path workdir;

  private Map<String, String> env(String... kv) {
    Map<String, String> env = JarProcess.env(workdir, kv);
    env.putIfAbsent("LOCAL_IMAGES_ONLY", "true");
    return env;
  }

  @Test
  void helpListsRolesAndSubcommands() throws Exception {
    JarProcess.Result r = JarProcess.run(env(), "--help");
    assertEquals(0, r.exit(), r.output());
    for (String word : new String[] {"--role", "controller", "agent", "all", "migrate"}) {
      assertTrue(r.output().contains(word), word + " missing from:\n" + r.output());
    }
  }

  @Test
  void unknownOrMissingRoleIsAUsageError() throws Exception {
    JarProcess.Result bad = JarProcess.run(env(), "--role=nonsense");
    assertEquals(2, bad.exit(), bad.output());
    assertTrue(bad.output().contains("nonsense"), bad.output());
    JarProcess.Result missing = JarProcess.run(env());
    assertEquals(2, missing.exit(), missing.output());
    assertTrue(missing.output().contains("Missing --role"), missing.output());
  }

  @Test
  void invalidConfigurationExits2NamingTheVariable() throws Exception {
    JarProcess.Result r =
        JarProcess.run(env("BACKENDS", "test", "TEST_MAX_WORKERS", "abc"), "--role=controller");
    assertEquals(2, r.exit(), r.output());
    assertTrue(r.output().contains("TEST_MAX_WORKERS"), r.output());
  }

  /** A controller's settings for backend test: its tokens and loopback as allowed hosts. */
  private Map<String, String> controllerEnv(String... kv) {
    Map<String, String> env = env(kv);
    env.put("BACKENDS", "test");
    env.putAll(TestTokens.controllerEnv("test"));
    return env;
  }

  @Test
  void controllerRefusesAnUnmigratedDatabase() throws Exception {
    JarProcess.Result r =
        JarProcess.run(
            controllerEnv("CONTROLLER_PORT", String.valueOf(JarProcess.freePort())),
            "--role=controller");
    assertEquals(2, r.exit(), r.output());
    assertTrue(r.output().contains("migrate"), r.output());
    assertTrue(
        !Files.exists(workdir.resolve("db.sqlite")), "refusing must not create the database");
  }

  @Test
  void migrateThenServeOnSqliteAndStopGracefully() throws Exception {
    JarProcess.Result first = JarProcess.run(env(), "migrate");
    assertEquals(0, first.exit(), first.output());
    assertTrue(
        first.output().matches("(?s).*[1-9]\\d* migration\\(s\\) applied.*"), first.output());
    JarProcess.Result again = JarProcess.run(env(), "migrate");
    assertEquals(0, again.exit(), again.output());
    assertTrue(again.output().contains("0 migration(s) applied"), again.output());
    serveAndStop(controllerEnv("CONTROLLER_PORT", String.valueOf(JarProcess.freePort())));
  }

  @Test
  void migrateThenServeOnPostgres() throws Exception {
    DatabaseTarget pg = TestDatabases.fresh("postgresql");
    String url =
        "postgresql://"
            + pg.user()
            + ":"
            + pg.password()
            + "@"
            + pg.host()
            + ":"
            + pg.port()
            + "/"
            + pg.database();
    JarProcess.Result migrated = JarProcess.run(env("DATABASE_URL", url), "migrate");
    assertEquals(0, migrated.exit(), migrated.output());
    serveAndStop(
        controllerEnv(
            "DATABASE_URL", url, "CONTROLLER_PORT", String.valueOf(JarProcess.freePort())));
  }

  private void serveAndStop(Map<String, String> env) throws Exception {
    String port = env.get("CONTROLLER_PORT");
    try (JarProcess p = JarProcess.start(env, "--role=controller")) {
      String base = "http://localhost:" + port;
      assertEquals(
          200, p.awaitStatus(base + "/health/ready", 200, Duration.ofSeconds(60)), p.output());
      assertEquals(200, JarProcess.status(base + "/health/live"));
      assertEquals("{\"method\":\"GET\"}", JarProcess.body(base + "/"));
      // the API docs page and the Swagger UI files inside the jar
      assertTrue(JarProcess.body(base + "/controller/v1/docs/").contains("swagger-ui-bundle.js"));
      assertTrue(
          JarProcess.body(base + "/controller/v1/docs/swagger-ui-bundle.js")
              .contains("SwaggerUIBundle"));
      assertEquals(0, p.terminate(), "SIGTERM must exit 0:\n" + p.output());
    }
  }

  @Test
  void agentAndAllRolesServeHealth() throws Exception {
    int agentPort = JarProcess.freePort();
    try (JarProcess p =
        JarProcess.start(
            env(
                "BACKEND",
                "test",
                "CONTROLLER_TASK_API_ENDPOINT",
                "http://localhost:1/",
                "CONTROLLER_TASK_API_TOKEN",
                TestTokens.AGENT,
                "AGENT_PORT",
                String.valueOf(agentPort)),
            "--role=agent")) {
      assertEquals(
          200,
          p.awaitStatus(
              "http://localhost:" + agentPort + "/health/live", 200, Duration.ofSeconds(60)),
          p.output());
      assertEquals(0, p.terminate(), p.output());
    }
    assertEquals(0, JarProcess.run(env(), "migrate").exit());
    int controllerPort = JarProcess.freePort();
    int port2 = JarProcess.freePort();
    // no tokens and no controller URL: --role=all makes up the first and derives the second
    try (JarProcess p =
        JarProcess.start(
            env(
                "CONTROLLER_PORT", String.valueOf(controllerPort),
                "AGENT_PORT", String.valueOf(port2)),
            "--role=all")) {
      assertEquals(
          200,
          p.awaitStatus(
              "http://localhost:" + controllerPort + "/health/ready", 200, Duration.ofSeconds(60)),
          p.output());
      assertEquals(
          200,
          p.awaitStatus("http://localhost:" + port2 + "/health/live", 200, Duration.ofSeconds(10)),
          p.output());
      assertTrue(
          p.output().contains("polling http://localhost:" + controllerPort + "/"), p.output());
      Path tokenFile = workdir.resolve("client-token");
      assertEquals(
          Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
          Files.getPosixFilePermissions(tokenFile));
      String token = Files.readString(tokenFile).strip();
      assertTrue(token.length() >= 32, token);
      String status = "http://localhost:" + controllerPort + "/controller/v1/backend/status/";
      assertEquals(200, JarProcess.status(status, token));
      assertEquals(401, JarProcess.status(status, "token"));
      assertEquals(0, p.terminate(), p.output());
      assertFalse(p.output().contains(token), "the generated token is never logged");
    }
  }

  @Test
  void demoRunsTheExampleStudyThroughTheWholeSystem() throws Exception {
    int port = JarProcess.freePort();
    JarProcess.Result r =
        JarProcess.run(
            // the agent finds the controller on its port: no CONTROLLER_TASK_API_ENDPOINT
            env(
                "CONTROLLER_PORT", String.valueOf(port),
                "AGENT_PORT", String.valueOf(JarProcess.freePort())),
            "demo");
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains("report: succeeded - Completed successfully"), r.output());
    assertTrue(
        Files.isRegularFile(workdir.resolve("medium_privacy/workspaces/demo/output/report.md")));
    assertTrue(
        Files.isRegularFile(
            workdir.resolve("medium_privacy/workspaces/demo/output/patient_rows.csv.txt")));
  }
}

package org.rap.agent.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.agent.executor.DbTaskException;
import org.rap.agent.executor.DbTaskRunner;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.docker.DockerApi;
import org.rap.agent.executor.docker.DockerExecutor;

/** DB task allow-lists and envelopes (docs/spec/agent-executor.md section 11). */
class DbTaskHandlerTest {
  final List<List<String>> runs = new ArrayList<>();
  final List<Map<String, String>> envs = new ArrayList<>();
  final List<String> networks = new ArrayList<>();

  DbTaskHandler handler(String stdout, Map<String, String> urls) {
    DbTaskRunner runner =
        (image, sha, args, env, network) -> {
          runs.add(args);
          envs.add(env);
          networks.add(network);
          return Future.succeededFuture(stdout);
        };
    return new DbTaskHandler(runner, urls, "jobrunner-db");
  }

  static final Map<String, String> URLS = Map.of("default", "mssql://u:p@db:1433/x");

  JsonObject status(String stdout) {
    return handler(stdout, URLS).envelope(TestTasks.agentTask(TestTasks.dbStatus("db1"))).await();
  }

  @Test
  void dbStatusAllowedAnswers() {
    for (String a :
        List.of("db-maintenance", "db-maintenance;0", "db-maintenance;1", "db-maintenance;2")) {
      assertEquals(
          new JsonObject()
              .put("results", new JsonObject().put("status", "db-maintenance"))
              .putNull("error"),
          status("noise\n" + a + "\n"),
          a);
    }
    for (String a : List.of("", "none;0", "none;1", "none;2")) {
      assertEquals(new JsonObject().put("status", ""), status(a).getJsonObject("results"), a);
      assertNull(status(a).getValue("error"));
    }
    assertEquals(List.of("in_maintenance_mode"), runs.get(0));
    assertEquals(Map.of("DATABASE_URL", "mssql://u:p@db:1433/x"), envs.get(0));
    assertEquals("jobrunner-db", networks.get(0));
  }

  @Test
  void dbStatusRejectsAnythingElseWithoutEchoingIt() {
    JsonObject env = status("SELECT secret FROM patients\n");
    assertNull(env.getValue("results"));
    assertEquals(
        new JsonObject()
            .put("type", "ValueError")
            .put(
                "message",
                "Invalid status, expected one of: ,db-maintenance,db-maintenance;0,db-maintenance;1,"
                    + "db-maintenance;2,none;0,none;1,none;2"),
        env.getJsonObject("error"));
    assertEquals("ValueError", status("db-maintenance;3").getJsonObject("error").getString("type"));
  }

  @Test
  void unknownDatabaseIsKeyError() {
    JsonObject env =
        handler("", Map.of()).envelope(TestTasks.agentTask(TestTasks.dbStatus("db1"))).await();
    assertEquals(
        new JsonObject()
            .putNull("results")
            .put("error", new JsonObject().put("type", "KeyError").put("message", "'default'")),
        env);
    assertEquals(List.of(), runs);
  }

  @Test
  void dataCheck() {
    for (String a : List.of("OK", "FAILED")) {
      JsonObject env =
          handler("x\n " + a + " \n", URLS)
              .envelope(TestTasks.agentTask(TestTasks.dataCheck("dc1")))
              .await();
      assertEquals(new JsonObject().put("status", a), env.getJsonObject("results"));
    }
    assertEquals(List.of("hes_cutoff_date_check", "202304"), runs.get(0));
    JsonObject bad =
        handler("ok", URLS).envelope(TestTasks.agentTask(TestTasks.dataCheck("dc1"))).await();
    assertEquals(
        new JsonObject()
            .put("type", "ValueError")
            .put("message", "Invalid status, expected one of: OK,FAILED"),
        bad.getJsonObject("error"));
  }

  @Test
  void runnerFailureBecomesAnErrorEnvelope() {
    DbTaskRunner failing =
        (image, sha, args, env, network) ->
            Future.failedFuture(
                new DbTaskException(
                    "CalledProcessError",
                    "Command 'in_maintenance_mode' returned non-zero exit status 1."));
    JsonObject env =
        new DbTaskHandler(failing, URLS, "n")
            .envelope(TestTasks.agentTask(TestTasks.dbStatus("db1")))
            .await();
    assertEquals("CalledProcessError", env.getJsonObject("error").getString("type"));
    DbTaskRunner throwing =
        (image, sha, args, e, network) -> {
          throw new IllegalStateException("docker gone");
        };
    JsonObject env2 =
        new DbTaskHandler(throwing, URLS, "n")
            .envelope(TestTasks.agentTask(TestTasks.dbStatus("db1")))
            .await();
    assertEquals(
        new JsonObject().put("type", "IllegalStateException").put("message", "docker gone"),
        env2.getJsonObject("error"));
  }

  @Test
  void answersParsing() {
    assertEquals("b", DbTaskAnswers.lastLine("a\nb\n\n"));
    assertEquals("", DbTaskAnswers.lastLine(null));
    assertEquals(2, DbTaskAnswers.buildCount("none;2"));
    assertNull(DbTaskAnswers.buildCount("db-maintenance"));
    assertThrows(DbTaskException.class, () -> DbTaskAnswers.dataCheck("OK;1"));
  }

  @Tag("docker")
  @Test
  void handlerEndToEndWithTheRealImageOnTheDockerExecutor(@TempDir Path workdir) throws Exception {
    Vertx vertx = Vertx.vertx();
    try (DockerApi docker = DockerApi.connect()) {
      DockerExecutor executor =
          new DockerExecutor(vertx, docker, ExecutorSettings.local("test", workdir));
      // the real image takes "in_maintenance_mode"; busybox needs a shell command instead
      DbTaskRunner shell =
          (image, sha, args, env, network) ->
              vertx.executeBlocking(
                  () ->
                      executor.runDbTask(
                          image,
                          null,
                          List.of("sh", "-c", "echo starting; echo 'none;2'"),
                          env,
                          "none"));
      JsonObject env =
          new DbTaskHandler(shell, Map.of("default", "mssql://u:p@db/x"), "none")
              .envelope(TestTasks.agentTask(TestTasks.dbStatus("db1")))
              .await();
      assertEquals(
          new JsonObject().put("results", new JsonObject().put("status", "")).putNull("error"),
          env);
    } finally {
      vertx.close().await();
    }
  }
}

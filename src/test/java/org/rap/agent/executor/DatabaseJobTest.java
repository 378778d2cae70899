package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;

/** Database jobs: secrets only in memory and in the container environment, the database network. */
@Tag("docker")
class DatabaseJobTest extends DockerTestBase {
  String network;

  @BeforeEach
  void createNetwork() {
    network = "rap-test-db-" + ExecutorFixture.randomId();
    docker.client().createNetworkCmd().withName(network).withInternal(true).exec();
  }

  @AfterEach
  void removeNetwork() {
    fx.close(); // containers first
    docker.client().removeNetworkCmd(network).exec();
  }

  @Test
  void realBackendInjectsSecretsAndUsesTheDatabaseNetwork() throws Exception {
    String url = "mssql://user:pa55word@localhost:1433/db";
    ExecutorLifecycle real =
        fx.executor(
            fx.settings().withRealDatabase(network, Map.of("default", url), Optional.of("tempdb")));
    JobDefinition job =
        fx.job(
            "mkdir -p output && echo ${#DATABASE_URL} > output/len.txt && echo \"$TEMP_DATABASE_NAME\" > output/t.txt",
            spec("output/*.txt", "highly_sensitive"),
            j -> j.put("allow_database_access", true).put("database_name", "default"));
    assertFalse(job.toJson().encode().contains("pa55word"), "secrets never enter the definition");
    real.prepare(job).await();
    real.execute(job).await();
    JsonObject c = docker.inspectContainer("os-job-" + job.id()).orElseThrow();
    JsonObject host = c.getJsonObject("HostConfig");
    assertEquals(network, host.getString("NetworkMode"));
    assertEquals(new JsonArray().add("192.0.2.0"), host.getJsonArray("Dns"));
    assertTrue(
        host.getJsonArray("ExtraHosts").getString(0).startsWith("localhost:"), host.encode());
    assertFalse(c.getJsonObject("Config").getJsonArray("Cmd").encode().contains("pa55word"));
    ExecutorFixture.awaitExecuted(real, job);
    JobStatus done = real.finalizeJob(job, false, null).await();
    assertEquals("Completed successfully", done.message(), "the job saw DATABASE_URL");
    assertEquals("tempdb\n", Files.readString(fx.high("output/t.txt")));
    assertEquals(url.length() + "\n", Files.readString(fx.high("output/len.txt")));
    String metadata = Files.readString(fx.logDir(job).resolve("metadata.json"));
    assertFalse(metadata.contains("pa55word"), "DATABASE_URL redacted in container metadata");
    assertTrue(metadata.contains("TEMP_DATABASE_NAME=tempdb"), "safe-listed key kept");
    assertFalse(done.results().encode().contains("pa55word"));
  }

  @Test
  void aJobPrintingItsEnvironmentLeaksNoSecretToMediumPrivacy() throws Exception {
    String url = "mssql://reader:Pa55-w0rd-xyz@10.0.0.1:1433/db";
    ExecutorLifecycle real =
        fx.executor(
            fx.settings().withRealDatabase(network, Map.of("default", url), Optional.of("tempdb")));
    JobDefinition job =
        fx.job(
            "mkdir -p output && env && echo \"password: ${DATABASE_URL#*:*:}\""
                + " && env > output/env.txt && echo fine > output/fine.txt",
            spec("output/*.txt", "moderately_sensitive"),
            j -> j.put("allow_database_access", true).put("database_name", "default"));
    JobStatus done = ExecutorFixture.run(real, job);
    assertEquals(ExecutorState.FINALIZED, done.state());
    String logs = Files.readString(fx.logDir(job).resolve("logs.txt"));
    assertTrue(logs.contains("DATABASE_URL=xxxx-REDACTED-xxxx"), logs);
    assertTrue(logs.contains("TEMP_DATABASE_NAME=tempdb"), "safe-listed values stay");
    assertFalse(logs.contains("Pa55-w0rd"), "the URL nor its password alone");
    assertEquals(
        logs, Files.readString(fx.medium("metadata/" + job.action() + ".log")), "medium copy");
    assertFalse(Files.exists(fx.medium("output/env.txt")), "an output holding it is excluded");
    assertTrue(
        Files.readString(fx.medium("output/env.txt.txt")).contains("secret setting"),
        "with an explanation");
    assertEquals("fine\n", Files.readString(fx.medium("output/fine.txt")));
    try (var files = Files.walk(base.resolve("medium_privacy"))) {
      for (var f : files.filter(Files::isRegularFile).toList()) {
        assertFalse(Files.readString(f).contains("Pa55-w0rd"), f.toString());
      }
    }
  }

  @Test
  void dummyBackendDatabaseJobGetsNoSecretsAndNoNetwork() throws Exception {
    JobDefinition job =
        fx.job(
            "mkdir -p output && echo \"[$DATABASE_URL]\" > output/t.txt",
            spec("output/t.txt", "highly_sensitive"),
            j -> j.put("allow_database_access", true).put("database_name", "default"));
    executor.prepare(job).await();
    executor.execute(job).await();
    assertEquals(
        "none",
        docker
            .inspectContainer("os-job-" + job.id())
            .orElseThrow()
            .getJsonObject("HostConfig")
            .getString("NetworkMode"));
    assertEquals(ExecutorState.EXECUTED, ExecutorFixture.awaitExecuted(executor, job).state());
    executor.finalizeJob(job, false, null).await();
    assertEquals("[]\n", Files.readString(fx.high("output/t.txt")));
  }

  @Test
  void missingDatabaseNetworkIsRetryable() throws Exception {
    ExecutorLifecycle real =
        fx.executor(
            fx.settings()
                .withRealDatabase(
                    "rap-no-such-network",
                    Map.of("default", "mssql://u:p@10.0.0.1/db"),
                    Optional.empty()));
    JobDefinition job =
        fx.job(
            "true",
            spec("x", "highly_sensitive"),
            j -> j.put("allow_database_access", true).put("database_name", "default"));
    real.prepare(job).await();
    ExecutorRetry e = failure(ExecutorRetry.class, real.execute(job));
    assertTrue(e.getMessage().contains("rap-no-such-network"), e.getMessage());
  }
}

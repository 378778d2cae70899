package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.rap.common.config.AgentConfig;
import org.rap.common.config.Settings;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;

/** The Docker executor against the real Docker engine and the local busybox images. */
@Tag("docker")
class DockerExecutorTest extends DockerTestBase {

  @Test
  void successFilesOutputsByPrivacyLevel() throws Exception {
    JobDefinition job =
        fx.job(
            "sh analysis/run.sh hello && echo 'a,b' > output/high.csv && n=med; printf 'x,y\\n1,2\\n' > output/${n}ium.csv"
                + " && echo summary > output/summary.txt && echo err >&2",
            spec(
                "output/high.csv", "highly_sensitive",
                "output/m*.csv", "moderately_sensitive",
                "output/summary.txt", "minimally_sensitive"));

    assertEquals(ExecutorState.UNKNOWN, executor.status(job, false).await().state());
    JobStatus prepared = executor.prepare(job).await();
    assertEquals(ExecutorState.PREPARED, prepared.state());
    assertNotNull(prepared.timestampNs());
    Path volume = base.resolve("high_privacy/volumes").resolve(job.id());
    assertTrue(Files.exists(volume.resolve("analysis/run.sh")), "code checked out into the volume");
    assertEquals(
        String.valueOf(prepared.timestampNs()),
        Files.readString(volume.resolve(".opensafely-timestamp")));

    JobStatus executing = executor.execute(job).await();
    assertTrue(
        executing.state() == ExecutorState.EXECUTING || executing.state() == ExecutorState.EXECUTED,
        executing.toString());
    JobStatus executed = ExecutorFixture.awaitExecuted(executor, job);
    assertEquals(ExecutorState.EXECUTED, executed.state());
    assertNotNull(executed.timestampNs());

    JobStatus done = executor.finalizeJob(job, false, null).await();
    assertEquals(ExecutorState.FINALIZED, done.state());
    assertEquals("Completed successfully", done.message());
    executor.cleanup(job).await();
    assertFalse(Files.exists(volume), "volume removed");
    assertTrue(docker.inspectContainer("os-job-" + job.id()).isEmpty(), "container removed");

    // high privacy: every output; medium: only the moderately_sensitive one
    assertEquals("a,b\n", Files.readString(fx.high("output/high.csv")));
    assertTrue(Files.exists(fx.high("output/medium.csv")));
    assertTrue(Files.exists(fx.high("output/summary.txt")));
    assertEquals("x,y\n1,2\n", Files.readString(fx.medium("output/medium.csv")));
    assertFalse(Files.exists(fx.medium("output/high.csv")));
    assertFalse(Files.exists(fx.medium("output/summary.txt")));

    JsonObject meta = fx.metadata(job);
    assertEquals(
        new JsonObject()
            .put("output/high.csv", "highly_sensitive")
            .put("output/medium.csv", "moderately_sensitive")
            .put("output/summary.txt", "minimally_sensitive"),
        meta.getJsonObject("outputs"));
    assertEquals("0", meta.getString("exit_code"));
    assertEquals(false, meta.getValue("error"));
    assertEquals(false, meta.getBoolean("cancelled"));
    assertEquals(job.taskId(), meta.getString("task_id"));
    assertEquals(job.rapId(), meta.getString("job_definition_rap_id"));
    assertEquals(fx.commit, meta.getString("commit"));
    assertEquals(12.5, meta.getJsonObject("job_metrics").getDouble("cpu_peak"));
    assertEquals("unknown", meta.getString("action_version"));
    assertTrue(meta.getString("docker_image_id").startsWith("sha256:"));
    assertEquals(new JsonObject(), meta.getJsonObject("level4_excluded_files"));
    for (String key :
        new String[] {
          "unmatched_patterns", "unmatched_outputs", "status_message", "hint", "timestamp_ns",
              "job_definition_id",
          "created_at", "user", "completed_at", "expected_image_id", "oom_killed",
              "container_metadata",
          "database_name", "action_revision", "action_created", "base_revision", "base_created"
        }) {
      assertTrue(meta.containsKey(key), key);
    }

    String logs = Files.readString(fx.logDir(job).resolve("logs.txt"));
    assertTrue(logs.contains(" from the study repo\n"), logs);
    assertTrue(logs.contains(" err\n"), logs);
    assertTrue(logs.contains("\n=============JOB SUMMARY=============\n"), logs);
    assertTrue(logs.contains("status_message: Completed successfully\n"), logs);
    assertTrue(logs.contains("  output/medium.csv   - moderately_sensitive\n"), logs);
    assertEquals(logs, Files.readString(fx.high("metadata/" + job.action() + ".log")));
    assertEquals(logs, Files.readString(fx.medium("metadata/" + job.action() + ".log")));

    JsonObject manifest = new JsonObject(Files.readString(fx.medium("metadata/manifest.json")));
    assertEquals("ws", manifest.getString("workspace"));
    assertTrue(manifest.containsKey("repo") && manifest.getValue("repo") == null);
    JsonObject entry = manifest.getJsonObject("outputs").getJsonObject("output/medium.csv");
    assertEquals("moderately_sensitive", entry.getString("level"));
    assertEquals(job.id(), entry.getString("job_id"));
    assertEquals(job.rapId(), entry.getString("job_request"));
    assertEquals(job.action(), entry.getString("action"));
    assertEquals("alice", entry.getString("user"));
    assertEquals(fx.repo.toString(), entry.getString("repo"));
    assertEquals(fx.commit, entry.getString("commit"));
    assertEquals(8, entry.getLong("size"));
    assertEquals(false, entry.getBoolean("excluded"));
    assertNull(entry.getValue("message"));
    assertEquals(1, entry.getInteger("row_count"));
    assertEquals(2, entry.getInteger("col_count"));
    assertEquals(64, entry.getString("content_hash").length());
    assertTrue(entry.getDouble("timestamp") > 1.7e9);
    assertNull(
        manifest.getJsonObject("outputs").getJsonObject("output/high.csv").getValue("row_count"));

    // the status results are redacted: no file names leave the agent
    JsonObject results = done.results();
    assertFalse(results.containsKey("outputs"));
    assertFalse(
        results.encode().contains("medium.csv"), "container args do not name it, nothing else may");
    assertEquals(new JsonArray(), meta.getJsonArray("unmatched_outputs"));
    assertFalse(results.getBoolean("has_unmatched_patterns"));
    assertFalse(results.getBoolean("has_level4_excluded_files"));
    assertEquals("Completed successfully", results.getString("status_message"));

    // the state survives: a finalized job stays finalized (idempotent finalize)
    assertEquals(ExecutorState.FINALIZED, fx.executor().status(job, false).await().state());
    assertEquals(ExecutorState.FINALIZED, executor.finalizeJob(job, false, null).await().state());
  }

  @Test
  void executorBuiltFromAgentConfiguration() throws Exception {
    AgentConfig config =
        AgentConfig.from(
            Settings.of(
                Map.of(
                    "BACKEND", "test",
                    "CONTROLLER_TASK_API_ENDPOINT", "http://localhost:3000/",
                    "WORKDIR", base.toString(),
                    "ALLOW_LOCAL_GIT_REPOS", "true",
                    "USING_DUMMY_DATA_BACKEND", "true",
                    "DOCKER_PROXY", "none")));
    ExecutorLifecycle fromConfig =
        fx.fromConfig(config, id -> Future.succeededFuture(new JsonObject().put("cpu_mean", 1.5)));
    JobDefinition job =
        fx.job(
            "mkdir -p output && echo ok > output/a.csv",
            spec("output/a.csv", "moderately_sensitive"));
    JobStatus done = ExecutorFixture.run(fromConfig, job);
    assertEquals("Completed successfully", done.message());
    assertEquals(1.5, done.results().getJsonObject("job_metrics").getDouble("cpu_mean"));
    assertEquals("ok\n", Files.readString(fx.medium("output/a.csv")));
  }

  @Test
  void concurrentPreparesShareTheGitCache() throws Exception {
    List<JobDefinition> jobs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      jobs.add(fx.job("true", spec("x", "highly_sensitive")));
    }
    List<Future<JobStatus>> prepared = new ArrayList<>();
    jobs.forEach(j -> prepared.add(executor.prepare(j)));
    Future.all(prepared).await();
    for (JobDefinition j : jobs) {
      assertEquals(ExecutorState.PREPARED, executor.status(j, false).await().state());
      assertTrue(
          Files.exists(
              base.resolve("high_privacy/volumes").resolve(j.id()).resolve("analysis/run.sh")));
      executor.cleanup(j).await();
    }
    assertTrue(
        Files.isDirectory(base.resolve("repos/study.git")), "bare cache under WORKDIR/repos");
  }

  @Test
  void concurrentFinalizesInOneWorkspaceKeepEveryManifestEntry() throws Exception {
    List<JobDefinition> jobs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      jobs.add(
          fx.job(
              "mkdir -p output && echo " + i + " > output/f" + i + ".csv",
              spec("output/f" + i + ".csv", "moderately_sensitive")));
    }
    for (JobDefinition j : jobs) {
      executor.prepare(j).await();
      executor.execute(j).await();
    }
    for (JobDefinition j : jobs) {
      ExecutorFixture.awaitExecuted(executor, j);
    }
    List<Future<JobStatus>> finalized = new ArrayList<>();
    jobs.forEach(j -> finalized.add(executor.finalizeJob(j, false, null)));
    Future.all(finalized).await();
    JsonObject outputs =
        new JsonObject(Files.readString(fx.medium("metadata/manifest.json")))
            .getJsonObject("outputs");
    assertEquals(4, outputs.size(), outputs.encodePrettily());
  }
}

package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.Container;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.rap.agent.executor.docker.HardenedContainer;
import org.rap.agent.outputs.OutputPersister;
import org.rap.agent.outputs.SecretRedactor;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.Privacy;

/** Cancellation, agent restarts, re-queued tasks, fatal errors, cleanup and deletion. */
@Tag("docker")
class DockerExecutorLifecycleTest extends DockerTestBase {

  private List<Container> containersOf(JobDefinition job) {
    return docker
        .client()
        .listContainersCmd()
        .withShowAll(true)
        .withNameFilter(List.of("os-job-" + job.id()))
        .exec();
  }

  @Test
  void cancelWhileExecutingKillsAndFinalizesCancelled() throws Exception {
    JobDefinition job =
        fx.job(
            "mkdir -p output; echo started; echo x > output/a.csv; sleep 300",
            spec("output/a.csv", "highly_sensitive"));
    executor.prepare(job).await();
    assertEquals(ExecutorState.EXECUTING, executor.execute(job).await().state());
    JobStatus afterKill = executor.terminate(job).await();
    assertEquals(ExecutorState.EXECUTED, afterKill.state());
    JobStatus done = executor.finalizeJob(job, true, null).await();
    assertEquals(ExecutorState.FINALIZED, done.state());
    assertEquals("Job cancelled by system", done.message());
    executor.cleanup(job).await();

    JsonObject meta = fx.metadata(job);
    assertEquals(true, meta.getBoolean("cancelled"));
    assertEquals("137", meta.getString("exit_code"));
    assertEquals(new JsonObject(), meta.getJsonObject("outputs"));
    assertTrue(Files.exists(fx.logDir(job).resolve("logs.txt")), "logs kept for a job that ran");
    assertFalse(Files.exists(fx.high("output/a.csv")), "no outputs for a cancelled job");
    assertFalse(Files.exists(fx.high("metadata/" + job.action() + ".log")), "no workspace log");
    assertTrue(containersOf(job).isEmpty());
    // terminate of a finished job is a no-op
    assertEquals(ExecutorState.FINALIZED, executor.terminate(job).await().state());
  }

  @Test
  void cancelBeforeStartWritesOnlyMetadata() throws Exception {
    JobDefinition prepared = fx.job("true", spec("x", "highly_sensitive"));
    executor.prepare(prepared).await();
    assertEquals(ExecutorState.PREPARED, executor.status(prepared, true).await().state());
    JobStatus done = executor.finalizeJob(prepared, true, null).await();
    assertEquals(ExecutorState.FINALIZED, done.state());
    JsonObject meta = fx.metadata(prepared);
    assertEquals("Job cancelled by system", meta.getString("status_message"));
    assertEquals("None", meta.getString("exit_code"));
    assertEquals(new JsonObject(), meta.getJsonObject("container_metadata"));
    assertFalse(Files.exists(fx.logDir(prepared).resolve("logs.txt")));
    executor.cleanup(prepared).await();

    JobDefinition neverPrepared = fx.job("true", spec("x", "highly_sensitive"));
    assertEquals(ExecutorState.UNKNOWN, executor.status(neverPrepared, true).await().state());
    assertEquals(
        ExecutorState.FINALIZED, executor.finalizeJob(neverPrepared, true, null).await().state());
    assertEquals(true, fx.metadata(neverPrepared).getBoolean("cancelled"));
  }

  @Test
  void finalizeOfAnUnpreparedJobIsANoOpUnlessCancelling() throws Exception {
    JobDefinition job = fx.job("true", spec("x", "highly_sensitive"));
    assertEquals(ExecutorState.UNKNOWN, executor.finalizeJob(job, false, null).await().state());
    assertFalse(Files.exists(fx.logDir(job)));
  }

  @Test
  void restartedAgentDerivesTheSameStateAndNeverStartsASecondContainer() throws Exception {
    JobDefinition job =
        fx.job(
            "mkdir -p output; echo x > output/a.csv; sleep 300",
            spec("output/a.csv", "highly_sensitive"));
    executor.prepare(job).await();
    JobStatus running = executor.execute(job).await();
    assertEquals(ExecutorState.EXECUTING, running.state());
    String containerId = containersOf(job).get(0).getId();

    // a new executor (the agent after a restart) sees the same state, and repeating any step is
    // harmless
    executor.close();
    ExecutorLifecycle restarted = fx.executor();
    JobStatus seen = restarted.status(job, false).await();
    assertEquals(ExecutorState.EXECUTING, seen.state());
    assertEquals(running.timestampNs(), seen.timestampNs());
    assertEquals(ExecutorState.EXECUTING, restarted.prepare(job).await().state());
    assertEquals(ExecutorState.EXECUTING, restarted.execute(job).await().state());
    assertEquals(1, containersOf(job).size());
    assertEquals(containerId, containersOf(job).get(0).getId());

    docker.client().killContainerCmd("os-job-" + job.id()).exec();
    ExecutorFixture.awaitExecuted(restarted, job);
    assertEquals(ExecutorState.EXECUTED, fx.executor().execute(job).await().state());
    assertEquals(1, containersOf(job).size());

    // finalized but not cleaned up when the agent dies: the next agent reports the same results
    JobStatus done = restarted.finalizeJob(job, false, null).await();
    assertEquals(
        "Job killed by OpenSAFELY admin or memory limits",
        done.message(),
        "killed outside the agent: 137");
    assertEquals("137", fx.metadata(job).getString("exit_code"));
    JobStatus again = fx.executor().status(job, false).await();
    assertEquals(ExecutorState.FINALIZED, again.state());
    assertEquals(done.results(), again.results());
    assertEquals(done.timestampNs(), again.timestampNs());
    assertEquals(
        ExecutorState.FINALIZED, fx.executor().finalizeJob(job, false, null).await().state());
    restarted.cleanup(job).await();
    restarted.cleanup(job).await(); // idempotent
    assertEquals(ExecutorState.FINALIZED, fx.executor().status(job, false).await().state());
  }

  @Test
  void containerCreatedButNeverStartedIsStartedNotDuplicated() throws Exception {
    JobDefinition job =
        fx.job("mkdir -p output; echo x > output/a.csv", spec("output/a.csv", "highly_sensitive"));
    executor.prepare(job).await();
    // the agent died between create and start
    String id =
        HardenedContainer.forJob(
                job,
                ExecutorFixture.IMAGE,
                Map.of(),
                base.resolve("high_privacy/volumes").resolve(job.id()),
                fx.settings(),
                2)
            .exec(docker);
    assertEquals(ExecutorState.PREPARED, fx.executor().status(job, false).await().state());
    fx.executor().execute(job).await();
    assertEquals(1, containersOf(job).size());
    assertEquals(id, containersOf(job).get(0).getId());
    ExecutorFixture.awaitExecuted(executor, job);
    assertEquals(
        "Completed successfully", executor.finalizeJob(job, false, null).await().message());
  }

  @Test
  void agentDyingMidFinalizeFinalizesOnceOnRestart() throws Exception {
    JobDefinition job =
        fx.job(
            "mkdir -p output; printf 'a,b\\n1,2\\n' > output/a.csv; printf 'no newline at the end'",
            spec("output/a.csv", "moderately_sensitive"));
    executor.prepare(job).await();
    executor.execute(job).await();
    ExecutorFixture.awaitExecuted(executor, job);
    // the agent died after filing outputs but before writing metadata.json
    Path volume = base.resolve("high_privacy/volumes").resolve(job.id());
    OutputPersister.persist(
        job,
        Map.of("output/a.csv", "moderately_sensitive"),
        volume,
        fx.high(""),
        fx.medium(""),
        Optional.empty(),
        SecretRedactor.none());
    ExecutorLifecycle restarted = fx.executor();
    assertEquals(ExecutorState.EXECUTED, restarted.status(job, false).await().state());
    JobStatus done = restarted.finalizeJob(job, false, null).await();
    assertEquals("Completed successfully", done.message());
    restarted.cleanup(job).await();
    JsonObject manifest = new JsonObject(Files.readString(fx.medium("metadata/manifest.json")));
    assertEquals(1, manifest.getJsonObject("outputs").size());
    assertNull(
        manifest
            .getJsonObject("outputs")
            .getJsonObject("output/a.csv")
            .getValue("out_of_date_output"));
    assertEquals("a,b\n1,2\n", Files.readString(fx.medium("output/a.csv")));
    // container output without a trailing newline still leaves the summary on its own line
    String logs = Files.readString(fx.logDir(job).resolve("logs.txt"));
    assertTrue(
        logs.contains(" no newline at the end\n\n=============JOB SUMMARY=============\n"), logs);
  }

  @Test
  void requeuedTaskStartsFresh() throws Exception {
    JobDefinition first =
        fx.job("mkdir -p output; echo x > output/a.csv", spec("output/a.csv", "highly_sensitive"));
    ExecutorFixture.run(executor, first);
    assertEquals(ExecutorState.FINALIZED, executor.status(first, false).await().state());
    JsonObject def = first.toJson().put("task_id", first.id() + "-002");
    JobDefinition second = JobDefinition.fromJson(def);
    assertEquals(ExecutorState.UNKNOWN, executor.status(second, false).await().state());
    JobStatus done = ExecutorFixture.run(executor, second);
    assertEquals(ExecutorState.FINALIZED, done.state());
    assertEquals(first.id() + "-002", fx.metadata(second).getString("task_id"));
    // a definition without a task id accepts any stored metadata
    JobDefinition legacy = JobDefinition.fromJson(first.toJson().put("task_id", ""));
    assertEquals(ExecutorState.FINALIZED, executor.status(legacy, false).await().state());
  }

  @Test
  void fatalErrorFinalizesAsError() throws Exception {
    JobDefinition job = fx.job("true", spec("x", "highly_sensitive"));
    executor.prepare(job).await();
    JsonObject error =
        new JsonObject()
            .put("exception", "JobFailure")
            .put("message", "something broke")
            .put("traceback", "at ...");
    JobStatus status = executor.finalizeJob(job, false, error).await();
    assertEquals(ExecutorState.ERROR, status.state());
    assertEquals("Job errored", status.message());
    assertEquals(error, status.results().getJsonObject("error"));
    assertEquals(error, fx.metadata(job).getJsonObject("error"));
    assertEquals(ExecutorState.ERROR, fx.executor().status(job, false).await().state());
    assertEquals(ExecutorState.ERROR, executor.finalizeJob(job, false, null).await().state());
  }

  @Test
  void deleteFilesRemovesWorkspaceFiles() throws Exception {
    Files.createDirectories(fx.high("output"));
    Files.writeString(fx.high("output/a.csv"), "a");
    Files.createDirectories(fx.medium("output"));
    Files.writeString(fx.medium("output/a.csv"), "a");
    Path secret = Files.writeString(base.resolve("secret.txt"), "s");
    List<String> failed =
        executor
            .deleteFiles(
                "ws",
                Privacy.HIGH,
                List.of("output/a.csv", "output/missing.csv", "../../../secret.txt"))
            .await();
    assertEquals(List.of("../../../secret.txt"), failed);
    assertFalse(Files.exists(fx.high("output/a.csv")));
    assertTrue(Files.exists(fx.medium("output/a.csv")));
    assertTrue(Files.exists(secret));
    assertEquals(
        List.of(), executor.deleteFiles("ws", Privacy.MEDIUM, List.of("output/a.csv")).await());
    assertFalse(Files.exists(fx.medium("output/a.csv")));
  }
}

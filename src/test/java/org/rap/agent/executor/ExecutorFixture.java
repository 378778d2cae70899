package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.fail;

import com.github.dockerjava.api.exception.NotFoundException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.rap.agent.executor.docker.DockerApi;
import org.rap.agent.executor.docker.DockerExecutor;
import org.rap.agent.metrics.JobMetricsSource;
import org.rap.common.config.AgentConfig;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;
import org.rap.common.telemetry.CallTimer;
import org.rap.common.telemetry.Telemetry;

/** A real Docker engine, a local study repository and run directories under a temp dir. */
final class ExecutorFixture implements AutoCloseable {
  static final String IMAGE = "ghcr.io/opensafely-core/python:v2";
  private static final SecureRandom RANDOM = new SecureRandom();

  final Vertx vertx;
  final DockerApi docker;
  final Path base;
  final Path repo;
  final String commit;
  final List<String> jobIds = new ArrayList<>();
  final List<ExecutorLifecycle> executors = new ArrayList<>();

  ExecutorFixture(Vertx vertx, DockerApi docker, Path base) throws Exception {
    this.vertx = vertx;
    this.docker = docker;
    this.base = base;
    this.repo = base.resolve("study");
    Files.createDirectories(repo.resolve("analysis"));
    Files.writeString(
        repo.resolve("project.yaml"),
        "version: '4.0'\nactions:\n  kept:\n    run: python:v2 x.py\n");
    Files.writeString(
        repo.resolve("analysis/run.sh"),
        "mkdir -p output\necho \"from the study repo\"\necho \"$@\"\n");
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("Test", "test@example.com");
      RevCommit c =
          git.commit().setMessage("study").setAuthor(who).setCommitter(who).setSign(false).call();
      this.commit = c.getName();
    }
  }

  ExecutorSettings settings() {
    return ExecutorSettings.local("test", base);
  }

  ExecutorLifecycle executor() {
    return executor(settings());
  }

  /** The lifecycle on the Docker executor, on the shared connection. */
  ExecutorLifecycle executor(ExecutorSettings settings) {
    return add(
        ExecutorLifecycle.create(
            vertx,
            new DockerExecutor(vertx, docker, settings),
            settings,
            id ->
                Future.succeededFuture(
                    new JsonObject().put("cpu_peak", 12.5).put("mem_mb_peak", 3.0))));
  }

  /** As the agent builds it from its configuration, with its own Docker connection. */
  ExecutorLifecycle fromConfig(AgentConfig config, JobMetricsSource metrics) {
    ExecutorSettings settings = ExecutorSettings.from(config);
    return add(
        ExecutorLifecycle.create(
            vertx,
            config,
            DockerExecutor.connecting(vertx, settings, CallTimer.NONE),
            metrics,
            RunListener.NONE,
            Telemetry.none()));
  }

  ExecutorLifecycle add(ExecutorLifecycle e) {
    executors.add(e);
    return e;
  }

  static String randomId() {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 16; i++) {
      sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  /** A job running {@code sh -c <script>} in the study checkout, with the given output spec. */
  JobDefinition job(String script, Map<String, String> outputSpec, Consumer<JsonObject> tweak) {
    String id = randomId();
    jobIds.add(id);
    JsonObject spec = new JsonObject();
    outputSpec.forEach(spec::put);
    JsonObject j =
        new JsonObject()
            .put("id", id)
            .put("rap_id", "rap" + id.substring(0, 6))
            .put("task_id", id + "-001")
            .put("repo_url", repo.toString())
            .put("commit", commit)
            .put(
                "study",
                new JsonObject()
                    .put("git_repo_url", repo.toString())
                    .put("commit", commit)
                    .put("branch", "main"))
            .put("workspace", "ws")
            .put("action", "act_" + id.substring(0, 4))
            .put("created_at", 1_763_769_600L) // 2025-11-22
            .put("image", IMAGE)
            .putNull("image_sha")
            .put("args", new JsonArray().add("sh").add("-c").add(script))
            .put("env", new JsonObject().put("OPENSAFELY_BACKEND", "test"))
            .put("inputs", new JsonArray())
            .put("input_job_ids", new JsonArray())
            .put("output_spec", spec)
            .put("allow_database_access", false)
            .putNull("database_name")
            .put("user", "alice")
            .put("cpu_count", 1.0)
            .put("memory_limit", "256M")
            .put("level4_max_filesize", 16_777_216L)
            .put("level4_max_csv_rows", 5000)
            .put("level4_file_types", new JsonArray(JobDefinition.DEFAULT_LEVEL4_FILE_TYPES));
    tweak.accept(j);
    return JobDefinition.fromJson(j);
  }

  JobDefinition job(String script, Map<String, String> outputSpec) {
    return job(script, outputSpec, j -> {});
  }

  /** Waits (bounded) until the job's container has stopped. */
  static JobStatus awaitExecuted(JobLifecycle executor, JobDefinition job)
      throws InterruptedException {
    for (int i = 0; i < 600; i++) {
      JobStatus s = executor.status(job, false).await();
      if (s.state() != ExecutorState.EXECUTING) {
        return s;
      }
      Thread.sleep(100);
    }
    fail("job " + job.id() + " still executing after 60 s");
    return null;
  }

  /** prepare, execute, wait, finalize, cleanup. */
  static JobStatus run(JobLifecycle executor, JobDefinition job) throws InterruptedException {
    executor.prepare(job).await();
    executor.execute(job).await();
    awaitExecuted(executor, job);
    JobStatus done = executor.finalizeJob(job, false, null).await();
    executor.cleanup(job).await();
    return done;
  }

  Path high(String rel) {
    return base.resolve("high_privacy/workspaces/ws").resolve(rel);
  }

  Path medium(String rel) {
    return base.resolve("medium_privacy/workspaces/ws").resolve(rel);
  }

  Path logDir(JobDefinition job) {
    return base.resolve("high_privacy/logs/2025-11/os-job-" + job.id());
  }

  JsonObject metadata(JobDefinition job) throws Exception {
    return new JsonObject(Files.readString(logDir(job).resolve("metadata.json")));
  }

  @Override
  public void close() {
    for (String id : jobIds) {
      try {
        docker.client().removeContainerCmd("os-job-" + id).withForce(true).exec();
      } catch (NotFoundException e) {
        // fine
      } catch (RuntimeException e) {
        System.err.println("could not remove os-job-" + id + ": " + e);
      }
    }
    executors.forEach(ExecutorLifecycle::close);
  }
}

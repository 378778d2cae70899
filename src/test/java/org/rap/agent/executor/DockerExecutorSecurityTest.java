package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;

/** The hardened container settings and refusal of paths that would leave the workspace. */
@Tag("docker")
class DockerExecutorSecurityTest extends DockerTestBase {

  @Test
  void containerIsHardened() throws Exception {
    JobDefinition job =
        fx.job(
            "sleep 300",
            spec("output/a.csv", "highly_sensitive"),
            j -> {
              j.put("cpu_count", 0.5).put("memory_limit", "64M");
              j.getJsonObject("env").put("SECRET_TOKEN", "hunter2-value");
            });
    executor.prepare(job).await();
    assertEquals(ExecutorState.EXECUTING, executor.execute(job).await().state());
    JsonObject c = docker.inspectContainer("os-job-" + job.id()).orElseThrow();
    JsonObject host = c.getJsonObject("HostConfig");
    JsonObject config = c.getJsonObject("Config");
    assertEquals("none", host.getString("NetworkMode"));
    assertEquals(new JsonArray().add("ALL"), host.getJsonArray("CapDrop"));
    assertNull(host.getJsonArray("CapAdd"));
    assertEquals(new JsonArray().add("no-new-privileges"), host.getJsonArray("SecurityOpt"));
    assertEquals(false, host.getBoolean("Privileged"));
    assertEquals(true, host.getBoolean("Init"));
    assertEquals(64L * 1024 * 1024, host.getLong("Memory"));
    assertEquals(64L * 1024 * 1024, host.getLong("MemorySwap"));
    assertEquals(500_000_000L, host.getLong("NanoCpus"));
    assertEquals(ExecutorSettings.DEFAULT_PIDS_LIMIT, host.getLong("PidsLimit"));
    assertEquals("local", host.getJsonObject("LogConfig").getString("Type"));
    assertEquals(
        "200", host.getJsonObject("LogConfig").getJsonObject("Config").getString("max-file"));
    assertEquals(ExecutorSettings.agentUser(), config.getString("User"));
    JsonObject labels = config.getJsonObject("Labels");
    assertEquals("", labels.getString("job-runner"));
    assertEquals("", labels.getString("jobrunner-local"));
    assertEquals("ws", labels.getString("workspace"));
    assertEquals(job.action(), labels.getString("action"));
    JsonObject mount = c.getJsonArray("Mounts").getJsonObject(0);
    assertEquals("/workspace", mount.getString("Destination"));
    assertEquals(
        base.resolve("high_privacy/volumes").resolve(job.id()).toString(),
        mount.getString("Source"));
    assertTrue(config.getJsonArray("Env").contains("SECRET_TOKEN=hunter2-value"));
    assertTrue(config.getJsonArray("Env").contains("HOME=/tmp"));
    assertFalse(
        config.getJsonArray("Cmd").encode().contains("hunter2"),
        "env values never on the command line");
    assertFalse(c.getJsonArray("Args").encode().contains("hunter2"));

    executor.terminate(job).await();
    executor.finalizeJob(job, true, null).await();
    JsonObject meta = fx.metadata(job);
    JsonArray env =
        meta.getJsonObject("container_metadata").getJsonObject("Config").getJsonArray("Env");
    assertTrue(env.contains("SECRET_TOKEN=xxxx-REDACTED-xxxx"), env.encode());
    assertTrue(env.contains("OPENSAFELY_BACKEND=test"), env.encode());
    assertFalse(Files.readString(fx.logDir(job).resolve("metadata.json")).contains("hunter2"));
  }

  @Test
  void hostVolumeDirIsTheMountSourceWhenTheAgentRunsInAContainer() throws Exception {
    Path volumes = Files.createDirectories(base.resolve("high_privacy/volumes"));
    Path hostView = Files.createSymbolicLink(base.resolve("host-view-of-volumes"), volumes);
    ExecutorLifecycle inContainer = fx.executor(fx.settings().withDockerHostVolumeDir(hostView));
    JobDefinition job =
        fx.job(
            "mkdir -p output && echo ok > output/a.csv", spec("output/a.csv", "highly_sensitive"));
    inContainer.prepare(job).await();
    inContainer.execute(job).await();
    ExecutorFixture.awaitExecuted(inContainer, job);
    JsonObject c = docker.inspectContainer("os-job-" + job.id()).orElseThrow();
    assertEquals(
        hostView.resolve(job.id()) + ":/workspace:rw",
        c.getJsonObject("HostConfig").getJsonArray("Binds").getString(0));
    assertEquals(
        "Completed successfully", inContainer.finalizeJob(job, false, null).await().message());
    assertEquals("ok\n", Files.readString(fx.high("output/a.csv")));
  }

  @Test
  void cpuCountIsCappedToTheHost() throws Exception {
    JobDefinition job =
        fx.job("sleep 300", spec("x", "highly_sensitive"), j -> j.put("cpu_count", 64.0));
    executor.prepare(job).await();
    executor.execute(job).await();
    long nano =
        docker
            .inspectContainer("os-job-" + job.id())
            .orElseThrow()
            .getJsonObject("HostConfig")
            .getLong("NanoCpus");
    int ncpu = docker.client().infoCmd().exec().getNCPU();
    assertEquals(ncpu * 1_000_000_000L, nano);
  }

  @Test
  void nonRootContainerUserCanWriteTheVolume() throws Exception {
    ExecutorLifecycle asNobody = fx.executor(fx.settings().withDockerUser("65534:65534"));
    JobDefinition job =
        fx.job(
            "id -u > /tmp/x; cat analysis/run.sh > /dev/null && mkdir -p output && id -u > output/uid.txt",
            spec("output/uid.txt", "moderately_sensitive"));
    JobStatus done = ExecutorFixture.run(asNobody, job);
    assertEquals("Completed successfully", done.message());
    assertEquals("65534\n", Files.readString(fx.high("output/uid.txt")));
    assertEquals("65534\n", Files.readString(fx.medium("output/uid.txt")));
    assertFalse(
        Files.exists(base.resolve("high_privacy/volumes").resolve(job.id())), "volume cleaned up");
  }

  @Test
  void escapingOutputPatternIsRefusedAtPrepare() throws Exception {
    JobDefinition job = fx.job("true", spec("../escape/*.csv", "highly_sensitive"));
    JobFailure f = failure(JobFailure.class, executor.prepare(job));
    assertTrue(
        f.getMessage().startsWith("Output pattern '../escape/*.csv' is not allowed"),
        f.getMessage());
    JobDefinition absolute = fx.job("true", spec("/etc/*", "highly_sensitive"));
    assertTrue(
        failure(JobFailure.class, executor.prepare(absolute))
            .getMessage()
            .startsWith("Output pattern '/etc/*'"));
    assertTrue(docker.inspectContainer("os-job-" + job.id()).isEmpty());
  }

  @Test
  void symlinksPointingOutsideAreNeverCopied() throws Exception {
    Path outsideDir = Files.createDirectories(base.resolve("outside"));
    Files.writeString(outsideDir.resolve("secret.csv"), "secret");
    JobDefinition job =
        fx.job(
            "mkdir -p output && echo ok > output/real.csv && ln -s /etc/passwd output/passwd.csv"
                + " && ln -s "
                + outsideDir
                + "/secret.csv output/host.csv && ln -s real.csv output/inner.csv"
                + " && ln -s /etc output/etcdir",
            spec("output/*.csv", "moderately_sensitive", "output/etcdir/*", "highly_sensitive"));
    JobStatus done = ExecutorFixture.run(executor, job);
    JsonObject outputs = fx.metadata(job).getJsonObject("outputs");
    assertEquals(
        new JsonObject()
            .put("output/inner.csv", "moderately_sensitive")
            .put("output/real.csv", "moderately_sensitive"),
        outputs);
    assertFalse(Files.exists(fx.high("output/passwd.csv")));
    assertFalse(Files.exists(fx.high("output/host.csv")));
    assertFalse(Files.exists(fx.high("output/etcdir")));
    assertEquals("ok\n", Files.readString(fx.high("output/inner.csv")));
    assertFalse(Files.isSymbolicLink(fx.high("output/inner.csv")), "copied as a regular file");
    assertEquals(
        new JsonArray().add("output/etcdir/*"),
        fx.metadata(job).getJsonArray("unmatched_patterns"));
    assertEquals(ExecutorState.FINALIZED, done.state());
  }

  @Test
  void workspaceOutputPathThroughSymlinkIsRefused() throws Exception {
    // a symlink planted in the high-privacy workspace must not redirect an output copy
    Path outsideDir = Files.createDirectories(base.resolve("elsewhere"));
    Files.createDirectories(fx.high(""));
    Files.createSymbolicLink(fx.high("output"), outsideDir);
    JobDefinition job =
        fx.job(
            "mkdir -p output && echo ok > output/a.csv", spec("output/a.csv", "highly_sensitive"));
    executor.prepare(job).await();
    executor.execute(job).await();
    ExecutorFixture.awaitExecuted(executor, job);
    JobFailure f = failure(JobFailure.class, executor.finalizeJob(job, false, null));
    assertFalse(f.getMessage().contains("a.csv"), "the error names no file");
    assertFalse(Files.exists(outsideDir.resolve("a.csv")));
    // the agent then records the failure: the job ends in state error, nothing was filed
    JobStatus error =
        executor
            .finalizeJob(
                job,
                false,
                new JsonObject().put("exception", "JobFailure").put("message", f.getMessage()))
            .await();
    assertEquals(ExecutorState.ERROR, error.state());
    assertFalse(Files.exists(outsideDir.resolve("a.csv")));
  }
}

package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.exception.NotFoundException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.rap.Main;
import org.rap.agent.executor.docker.ImageResolver;
import org.rap.common.config.AgentConfig;
import org.rap.common.config.Settings;
import picocli.CommandLine;

/**
 * {@code rap images pull} against a real registry on loopback: the image arrives in the daemon
 * under the proxy's name and the registry's tag, a job pinned to its digest then pulls nothing, an
 * unknown image fails the command with the registry's reason, and a local-only agent refuses. Also
 * the pull timeout of a pinned job: a registry that hangs mid-pull fails the job clearly.
 */
@Tag("docker")
class ImagesPullCommandTest extends DockerTestBase {
  private static final String LOCAL = "ghcr.io/opensafely-core/busybox:latest";
  private TestRegistry registry;
  private final List<String> pulledRefs = new ArrayList<>();

  @BeforeEach
  void startRegistry() throws Exception {
    try (InputStream saved = docker.client().saveImageCmd(LOCAL).exec()) {
      registry = new TestRegistry(saved, "opensafely-core/python", "v2").start();
    }
  }

  @AfterEach
  void stopRegistry() {
    fx.close();
    for (String ref : pulledRefs) {
      try {
        docker.client().removeImageCmd(ref).withForce(true).exec();
      } catch (NotFoundException e) {
        // not there
      }
    }
    try {
      docker.client().removeImageCmd(registry.imageId).withForce(true).exec();
    } catch (NotFoundException e) {
      // never pulled
    }
    registry.close();
  }

  private record Run(int exit, String out, String err) {}

  private Run rap(Path config, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--config");
    all.add(config.toString());
    int exit = cl.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  private Path config(String extra) throws Exception {
    String prefix = registry.host() + "/opensafely-core";
    Path file = base.resolve("agent.yaml");
    Files.writeString(
        file,
        "BACKEND: test\n"
            + "BACKENDS: test\n"
            + "CONTROLLER_TASK_API_ENDPOINT: http://127.0.0.1:9/\n"
            + "WORKDIR: "
            + base
            + "\n"
            + "DOCKER_REGISTRY: "
            + prefix
            + "\n"
            + "DOCKER_PROXY: "
            + prefix
            + "\n"
            + "IMAGE_PULL_TIMEOUT: \"60\"\n"
            + extra);
    pulledRefs.add(prefix + "/python:v2");
    return file;
  }

  @Test
  void pullsTheImagesAheadOfThePinnedJobsThatNeedThem() throws Exception {
    Path config = config("");
    String prefix = registry.host() + "/opensafely-core";
    Run r = rap(config, "images", "pull", "python:v2", "r:latest");

    assertEquals(1, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("Pulling 2 image(s) through " + prefix), r.out());
    assertTrue(
        r.out()
            .lines()
            .anyMatch(l -> l.contains("python:v2") && l.contains("pulled " + registry.imageId)),
        r.out());
    assertTrue(
        r.out().lines().anyMatch(l -> l.contains("r:latest") && l.contains("FAILED: ")), r.out());
    assertTrue(r.out().contains("1 of 2 image(s) pulled"), r.out());
    assertEquals(
        registry.imageId, docker.client().inspectImageCmd(prefix + "/python:v2").exec().getId());

    // a job pinned to the pulled digest runs it without asking the registry again
    int before = registry.requests.size();
    ExecutorLifecycle executor =
        fx.fromConfig(
            AgentConfig.from(
                Settings.of(
                    Map.of(
                        "BACKEND", "test",
                        "CONTROLLER_TASK_API_ENDPOINT", "http://localhost:3000/",
                        "WORKDIR", base.toString(),
                        "ALLOW_LOCAL_GIT_REPOS", "true",
                        "USING_DUMMY_DATA_BACKEND", "true",
                        "DOCKER_REGISTRY", prefix,
                        "DOCKER_PROXY", prefix))),
            id -> Future.succeededFuture(new JsonObject()));
    var job =
        fx.job(
            "mkdir -p output; cp /rap-pulled.txt output/pulled.txt",
            spec("output/pulled.txt", "moderately_sensitive"),
            j -> j.put("image", prefix + "/python:v2").put("image_sha", registry.manifestDigest));
    assertEquals("Completed successfully", ExecutorFixture.run(executor, job).message());
    assertEquals(before, registry.requests.size(), registry.requests.toString());
  }

  @Test
  void aLocalOnlyAgentRefusesToPull() throws Exception {
    Run r = rap(config("LOCAL_IMAGES_ONLY: \"true\"\n"), "images", "pull");
    assertEquals(2, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains("never pulls images (LOCAL_IMAGES_ONLY=true"), r.err());
    assertTrue(registry.requests.isEmpty(), registry.requests.toString());
  }

  @Test
  void aPullThatHangsFailsThePinnedJobWithTheTimeoutNamed() throws Exception {
    registry.stallBlobs = true;
    String prefix = registry.host() + "/opensafely-core";
    ExecutorSettings s = ExecutorSettings.local("test", base).withDockerRegistry(prefix);
    ExecutorSettings pulling =
        new ExecutorSettings(
            s.backend(),
            s.workdir(),
            s.highPrivacyStorageBase(),
            s.mediumPrivacyStorageBase(),
            s.highPrivacyArchiveDir(),
            s.highPrivacyVolumeDir(),
            s.dockerHostVolumeDir(),
            s.dockerUser(),
            prefix,
            prefix,
            true,
            Duration.ofSeconds(2),
            s.databaseAccessNetwork(),
            s.usingDummyDataBackend(),
            s.databaseUrls(),
            s.tempDatabaseName(),
            s.emisOrganisationHash(),
            s.prestoTlsCert(),
            s.prestoTlsKey(),
            s.githubProxyDomain(),
            s.privateRepoAccessToken(),
            s.pidsLimit(),
            s.allowLocalGitRepos(),
            s.outputLimits(),
            "");
    ImageResolver resolver = new ImageResolver(() -> docker, pulling);
    var job =
        fx.job(
            "true",
            spec("output/x.txt", "moderately_sensitive"),
            j -> j.put("image", prefix + "/python:v2").put("image_sha", registry.manifestDigest));
    long started = System.nanoTime();
    JobFailure f = assertThrows(JobFailure.class, () -> resolver.resolve(job));
    double seconds = (System.nanoTime() - started) / 1e9;
    assertEquals(
        "Pulling Docker image "
            + prefix
            + "/python:v2 with digest "
            + registry.manifestDigest
            + " timed out: "
            + prefix
            + "/python@"
            + registry.manifestDigest
            + " did not arrive within 2s (IMAGE_PULL_TIMEOUT) in 3 attempts",
        f.getMessage());
    assertTrue(seconds >= 6 && seconds < 30, "3 attempts of 2 s: " + seconds);
    assertFalse(registry.manifestRequestsByDigest().isEmpty(), registry.requests.toString());
  }
}

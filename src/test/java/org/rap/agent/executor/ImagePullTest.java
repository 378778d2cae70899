package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.exception.NotFoundException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.rap.common.config.AgentConfig;
import org.rap.common.config.Settings;
import org.rap.common.model.JobDefinition;

/**
 * Images are pulled by digest when one is given, or a local image is used when no registry is
 * configured (docs/spec/agent-executor.md section 4). The daemon really pulls from a {@link
 * TestRegistry} on loopback; the executor is built from the agent configuration ({@code
 * DOCKER_REGISTRY}, {@code DOCKER_PROXY}).
 */
@Tag("docker")
class ImagePullTest extends DockerTestBase {
  private static final String LOCAL = "ghcr.io/opensafely-core/busybox:latest";
  private TestRegistry registry;

  @BeforeEach
  void startRegistry() throws Exception {
    try (InputStream saved = docker.client().saveImageCmd(LOCAL).exec()) {
      registry = new TestRegistry(saved, "opensafely-core/python", "v2").start();
    }
  }

  @AfterEach
  void stopRegistry() {
    fx.close(); // containers first, then the pulled image
    try {
      docker.client().removeImageCmd(registry.imageId).withForce(true).exec();
    } catch (NotFoundException e) {
      // never pulled
    }
    registry.close();
  }

  private ExecutorLifecycle executor(String registryPrefix, String proxy) {
    Map<String, String> env = new HashMap<>();
    env.put("BACKEND", "test");
    env.put("CONTROLLER_TASK_API_ENDPOINT", "http://localhost:3000/");
    env.put("WORKDIR", base.toString());
    env.put("ALLOW_LOCAL_GIT_REPOS", "true");
    env.put("USING_DUMMY_DATA_BACKEND", "true");
    if (registryPrefix != null) {
      env.put("DOCKER_REGISTRY", registryPrefix);
    }
    env.put("DOCKER_PROXY", proxy);
    env.put("IMAGE_PULL_TIMEOUT", "120");
    return fx.fromConfig(
        AgentConfig.from(Settings.of(env)), id -> Future.succeededFuture(new JsonObject()));
  }

  private JobDefinition job(String image, String sha) {
    return fx.job(
        "cat /rap-pulled.txt; mkdir -p output; cp /rap-pulled.txt output/pulled.txt",
        spec("output/pulled.txt", "moderately_sensitive"),
        j -> j.put("image", image).put("image_sha", sha));
  }

  private boolean imageExists(String ref) {
    try {
      docker.client().inspectImageCmd(ref).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  @Test
  void pullsExactlyTheGivenDigestFromTheConfiguredRegistry() throws Exception {
    String prefix = registry.host() + "/opensafely-core";
    assertFalse(imageExists(registry.imageId), "the served image is new to the daemon");
    ExecutorLifecycle executor = executor(prefix, prefix);
    JobDefinition job = job(prefix + "/python:v2", registry.manifestDigest);

    JobStatus done = ExecutorFixture.run(executor, job);

    assertEquals("Completed successfully", done.message(), String.valueOf(done.results()));
    assertFalse(
        registry.manifestRequestsByDigest().isEmpty(),
        "manifest fetched by digest: " + registry.requests);
    assertTrue(
        registry.requests.stream().noneMatch(r -> r.endsWith("/manifests/v2")),
        "never by tag: " + registry.requests);
    assertEquals(
        "pulled " + registry.nonce + "\n",
        Files.readString(fx.high("output/pulled.txt")),
        "ran the pulled image");
    JsonObject meta = fx.metadata(job);
    assertEquals(
        registry.imageId,
        meta.getString("docker_image_id"),
        "the container's image is the pulled one");
    assertEquals(registry.manifestDigest, meta.getString("expected_image_id"));
    assertEquals(
        "pulled-" + registry.nonce, meta.getString("action_version"), "labels of the pulled image");
    assertEquals(
        registry.imageId,
        docker
            .client()
            .inspectImageCmd(prefix + "/python@" + registry.manifestDigest)
            .exec()
            .getId());

    // already pulled: a second job uses the local copy without asking the registry again
    int before = registry.requests.size();
    JobDefinition again = job(prefix + "/python:v2", registry.manifestDigest);
    assertEquals("Completed successfully", ExecutorFixture.run(executor, again).message());
    assertEquals(before, registry.requests.size(), registry.requests.toString());
    assertEquals(registry.imageId, fx.metadata(again).getString("docker_image_id"));
  }

  @Test
  void aDigestTheRegistryDoesNotHaveFailsTheJobAndNeverFallsBackToTheLocalTag() throws Exception {
    String wrong = "sha256:" + "0123456789abcdef".repeat(4);
    // job images named by the default DOCKER_REGISTRY (a local ghcr.io/.../python:v2 exists),
    // pulls through the proxy: the local tag must not silently replace the requested digest
    ExecutorLifecycle executor = executor(null, registry.host() + "/opensafely-core");
    JobDefinition job = job("ghcr.io/opensafely-core/python:v2", wrong);

    JobFailure f = failure(JobFailure.class, executor.prepare(job));
    assertTrue(
        f.getMessage()
            .startsWith(
                "Docker image ghcr.io/opensafely-core/python:v2 with digest "
                    + wrong
                    + " was not found in the registry"),
        f.getMessage());
    assertEquals(
        "Docker image ghcr.io/opensafely-core/python:v2 with digest "
            + wrong
            + " was not found in the registry"
            + " (pulling "
            + registry.host()
            + "/opensafely-core/python@"
            + wrong
            + "): manifest unknown",
        f.getMessage());
    assertTrue(
        registry.requests.contains("GET /v2/opensafely-core/python/manifests/" + wrong),
        registry.requests.toString());
    assertEquals(
        List.of(),
        docker
            .client()
            .listContainersCmd()
            .withShowAll(true)
            .withNameFilter(List.of("os-job-" + job.id()))
            .exec());
  }

  @Test
  void anUnreachableRegistryIsRetriedLaterNotAJobFailure() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    String prefix = "127.0.0.1:" + closedPort + "/opensafely-core";
    ExecutorLifecycle executor = executor(prefix, prefix);
    JobDefinition job = job(prefix + "/python:v2", registry.manifestDigest);
    ExecutorException e = failure(ExecutorException.class, executor.prepare(job));
    assertFalse(e.permanent(), e.getMessage());
    assertTrue(
        e.getMessage()
            .startsWith(
                "Could not pull Docker image " + prefix + "/python@" + registry.manifestDigest),
        e.getMessage());
  }

  @Test
  void withoutARegistryTheLocalImageIsUsed() throws Exception {
    ExecutorLifecycle executor = executor(null, "none");
    String localId =
        docker.client().inspectImageCmd("ghcr.io/opensafely-core/python:v2").exec().getId();
    JobDefinition job =
        fx.job(
            "mkdir -p output; echo local > output/a.txt",
            spec("output/a.txt", "moderately_sensitive"),
            j -> j.put("image_sha", registry.manifestDigest));
    JobStatus done = ExecutorFixture.run(executor, job);
    assertEquals("Completed successfully", done.message());
    assertEquals(localId, fx.metadata(job).getString("docker_image_id"));
    assertNotEquals(registry.imageId, localId);
    assertEquals(registry.manifestDigest, fx.metadata(job).getString("expected_image_id"));
    assertEquals(List.of(), registry.requests, "no registry asked");
  }
}

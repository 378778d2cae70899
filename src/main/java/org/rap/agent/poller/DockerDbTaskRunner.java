package org.rap.agent.poller;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.StreamType;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.rap.agent.executor.ImageResolver;
import org.rap.common.model.ImageNames;

/**
 * {@code docker run --rm -e DATABASE_URL --network <net> --dns 192.0.2.0 [--add-host h:ip] <image>
 * <args>} through docker-java, on a worker thread. The image is used by digest ({@code
 * <DOCKER_PROXY>/<name:tag>@<sha>}) when present locally or pullable; without a registry ({@code
 * DOCKER_PROXY=none}, e.g. an offline host) the local image carrying the definition's tag. At most
 * {@link #MAX_OUTPUT} bytes of standard output are kept. The container is always removed.
 */
public final class DockerDbTaskRunner implements DbTaskRunner {
  private static final Logger LOG = Logger.getLogger(DockerDbTaskRunner.class.getName());
  static final int MAX_OUTPUT = 1 << 20;
  static final String DNS_BLACKHOLE = "192.0.2.0";

  private final Vertx vertx;
  private final DockerClient docker;
  private final String dockerRegistry;
  private final String dockerProxy;
  private final Duration timeout;

  public DockerDbTaskRunner(
      Vertx vertx,
      DockerClient docker,
      String dockerRegistry,
      String dockerProxy,
      Duration timeout) {
    this.vertx = vertx;
    this.docker = docker;
    this.dockerRegistry = dockerRegistry;
    this.dockerProxy = dockerProxy;
    this.timeout = timeout;
  }

  @Override
  public Future<String> run(
      String image, String imageSha, List<String> args, Map<String, String> env, String network) {
    return vertx.executeBlocking(() -> runBlocking(image, imageSha, args, env, network), false);
  }

  private String runBlocking(
      String image, String imageSha, List<String> args, Map<String, String> env, String network)
      throws Exception {
    String ref = resolveImage(image, imageSha);
    List<String> envList = new ArrayList<>();
    env.forEach((k, v) -> envList.add(k + "=" + v));
    HostConfig host =
        HostConfig.newHostConfig()
            .withNetworkMode(network)
            .withCapDrop(Capability.ALL)
            .withSecurityOpts(List.of("no-new-privileges"));
    if (!"none".equals(network)) {
      host.withDns(DNS_BLACKHOLE);
      String extra = addHost(env.get("DATABASE_URL"));
      if (extra != null) {
        host.withExtraHosts(extra);
      }
    }
    String name = "os-dbtask-" + UUID.randomUUID();
    CreateContainerResponse created =
        docker
            .createContainerCmd(ref)
            .withName(name)
            .withLabels(Map.of("job-runner", "", "jobrunner-dbtask", ""))
            .withEnv(envList)
            .withCmd(args)
            .withHostConfig(host)
            .exec();
    String id = created.getId();
    try {
      docker.startContainerCmd(id).exec();
      Integer code =
          docker
              .waitContainerCmd(id)
              .exec(new WaitContainerResultCallback())
              .awaitStatusCode(timeout.toMillis(), TimeUnit.MILLISECONDS);
      String stdout = stdout(id);
      if (code == null || code != 0) {
        throw new DbTaskException(
            "CalledProcessError",
            "Command '"
                + String.join(" ", args)
                + "' in image "
                + image
                + " returned non-zero exit status "
                + code
                + ".");
      }
      return stdout;
    } finally {
      try {
        docker.removeContainerCmd(id).withForce(true).exec();
      } catch (NotFoundException e) {
        // already gone
      } catch (RuntimeException e) {
        LOG.warning("Could not remove DB task container " + name + ": " + e.getMessage());
      }
    }
  }

  private String stdout(String id) throws InterruptedException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    docker
        .logContainerCmd(id)
        .withStdOut(true)
        .withStdErr(false)
        .withFollowStream(false)
        .exec(
            new ResultCallback.Adapter<Frame>() {
              @Override
              public void onNext(Frame frame) {
                if (frame.getStreamType() != StreamType.STDERR) {
                  byte[] p = frame.getPayload();
                  int room = MAX_OUTPUT - out.size();
                  if (room > 0) {
                    out.write(p, 0, Math.min(room, p.length));
                  }
                }
              }
            })
        .awaitCompletion(60, TimeUnit.SECONDS);
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * {@code <proxy>/<name:tag>@<sha>} when present locally or, with a registry configured, pulled; a
   * digest that cannot be pulled is an error (never silently another image). Without a registry
   * ({@code DOCKER_PROXY=none}) or without a digest: the local tag.
   */
  String resolveImage(String image, String sha) throws InterruptedException {
    if (sha != null && !sha.isBlank()) {
      String byDigest = ImageNames.byDigest(image, dockerRegistry, dockerProxy, sha);
      if (exists(byDigest)) {
        return byDigest;
      }
      if (!"none".equalsIgnoreCase(dockerProxy)) {
        String error = "the pull did not finish within " + timeout.toSeconds() + "s";
        try {
          boolean done =
              docker
                  .pullImageCmd(byDigest)
                  .start()
                  .awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS);
          if (done && exists(byDigest)) {
            return byDigest;
          }
        } catch (RuntimeException e) {
          error = ImageResolver.dockerMessage(e);
        }
        LOG.warning("Could not pull " + byDigest + ": " + error);
        throw new DbTaskException(
            "ImageNotFound", "Image " + byDigest + " could not be pulled: " + error);
      }
      LOG.fine(
          "No registry configured (DOCKER_PROXY=none): using the local "
              + image
              + " for digest "
              + sha);
    }
    if (exists(image)) {
      return image;
    }
    throw new DbTaskException(
        "ImageNotFound", "Image " + image + " is not available locally and could not be pulled");
  }

  private boolean exists(String ref) {
    try {
      docker.inspectImageCmd(ref).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  /** {@code <host>:<ip>} when the database URL names its host (resolved here), else null. */
  static String addHost(String databaseUrl) throws UnknownHostException {
    if (databaseUrl == null) {
      return null;
    }
    String host;
    try {
      host = URI.create(databaseUrl).getHost();
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (host == null || host.isEmpty() || host.matches("[0-9.]+") || host.startsWith("[")) {
      return null;
    }
    return host + ":" + InetAddress.getByName(host).getHostAddress();
  }
}

package org.rap.agent.executor.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;
import org.rap.agent.executor.DbTaskException;
import org.rap.agent.executor.ExecutorException;
import org.rap.agent.executor.ExecutorSettings;

/**
 * A database task (docs/spec/agent-executor.md section 11): the database utilities image run once
 * in the hardened container of jobs ({@link HardenedContainer#forDbTask}), its image found as jobs
 * find theirs ({@link ImageResolver}: by digest when the definition has one, pulled through {@code
 * DOCKER_PROXY} when needed, the local tag without a registry). At most {@link #MAX_OUTPUT} bytes
 * of standard output are kept. The container is always removed. Blocking: worker threads only.
 */
final class DockerDbTaskRunner {
  private static final Logger LOG = Logger.getLogger(DockerDbTaskRunner.class.getName());
  static final int MAX_OUTPUT = 1 << 20;

  private final Supplier<DockerApi> docker;
  private final ImageResolver images;
  private final ExecutorSettings settings;
  private final Duration timeout;

  DockerDbTaskRunner(
      Supplier<DockerApi> docker,
      ImageResolver images,
      ExecutorSettings settings,
      Duration timeout) {
    this.docker = docker;
    this.images = images;
    this.settings = settings;
    this.timeout = timeout;
  }

  String run(
      String image, String imageSha, List<String> args, Map<String, String> env, String network)
      throws InterruptedException {
    String ref = resolveImage(image, imageSha);
    DockerApi api = docker.get();
    DockerClient client = api.client();
    String name = "os-dbtask-" + UUID.randomUUID();
    String id = HardenedContainer.forDbTask(name, ref, args, env, network, settings).exec(api);
    try {
      api.startContainer(id);
      Integer code =
          client
              .waitContainerCmd(id)
              .exec(new WaitContainerResultCallback())
              .awaitStatusCode(timeout.toMillis(), TimeUnit.MILLISECONDS);
      String stdout = stdout(client, id);
      if (code == null || code != 0) {
        throw DbTaskException.nonZeroExit(args, image, code);
      }
      return stdout;
    } finally {
      try {
        api.removeContainer(id);
      } catch (NotFoundException e) {
        // already gone
      } catch (RuntimeException e) {
        LOG.warning("Could not remove DB task container " + name + ": " + e.getMessage());
      }
    }
  }

  private static String stdout(DockerClient client, String id) throws InterruptedException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    client
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
   * The image by the jobs' rule; a digest that cannot be pulled is an error, never silently another
   * image.
   */
  private String resolveImage(String image, String sha) {
    try {
      return images.resolve(image, sha).ref();
    } catch (ExecutorException e) {
      if (e.getCause() instanceof ImageResolver.PullFailed pull) {
        LOG.warning("Could not pull " + pull.ref() + ": " + pull.error());
        throw new DbTaskException(
            "ImageNotFound", "Image " + pull.ref() + " could not be pulled: " + pull.error(), e);
      }
      if (!e.permanent()) {
        throw e; // Docker could not be asked
      }
      throw new DbTaskException(
          "ImageNotFound",
          "Image " + image + " is not available locally and could not be pulled",
          e);
    }
  }
}

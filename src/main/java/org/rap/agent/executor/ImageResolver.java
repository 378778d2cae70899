package org.rap.agent.executor;

import com.github.dockerjava.api.command.PullImageResultCallback;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.rap.common.model.JobDefinition;

/**
 * Finds the image a job runs (agent-executor.md section 4 step 2, adapted to machines without a
 * registry). With a digest: a local image with that id or repo digest; else, when pulls are on,
 * {@code <DOCKER_PROXY>/<name:tag>@<digest>} pulled by digest (3 attempts, 1 s apart); else the
 * local image carrying the tag. Without a digest: the local tag. Nothing found: a clear error.
 */
public final class ImageResolver {
  private static final Logger LOG = Logger.getLogger(ImageResolver.class.getName());

  /** @param ref what to pass to Docker (an image id or a digest reference) */
  public record ResolvedImage(String ref, String id) {}

  private final java.util.function.Supplier<DockerApi> docker;
  private final ExecutorSettings settings;

  public ImageResolver(java.util.function.Supplier<DockerApi> docker, ExecutorSettings settings) {
    this.docker = docker;
    this.settings = settings;
  }

  public ResolvedImage resolve(JobDefinition job) {
    String image = job.image();
    if (image == null || image.isBlank()) {
      throw new JobFailure("Job definition has no image");
    }
    String sha = job.imageSha() == null ? "" : job.imageSha().strip();
    if (!sha.isEmpty()) {
      if (!sha.matches("sha256:[0-9a-f]{64}")) {
        throw new JobFailure("Invalid image digest '" + sha + "' for image " + image);
      }
      Optional<JsonObject> byId = docker.get().inspectImage(sha);
      if (byId.isPresent() && sha.equals(byId.get().getString("Id"))) {
        return new ResolvedImage(sha, sha);
      }
      Optional<JsonObject> tagged = docker.get().inspectImage(image);
      if (tagged.isPresent() && hasDigest(tagged.get(), sha)) {
        String id = tagged.get().getString("Id");
        return new ResolvedImage(id, id);
      }
      String byDigest = settings.dockerProxy() + "/" + nameTag(image).replaceFirst(":[^:/]*$", "") + "@" + sha;
      Optional<JsonObject> proxied = docker.get().inspectImage(byDigest);
      if (proxied.isPresent()) {
        return new ResolvedImage(byDigest, proxied.get().getString("Id"));
      }
      if (settings.pullImages()) {
        Optional<JsonObject> pulled = pull(byDigest);
        if (pulled.isPresent()) {
          return new ResolvedImage(byDigest, pulled.get().getString("Id"));
        }
      }
      if (tagged.isPresent()) {
        LOG.warning(
            "Image " + image + " digest " + sha + " not available; using the local image " + tagged.get().getString("Id"));
        String id = tagged.get().getString("Id");
        return new ResolvedImage(id, id);
      }
    } else {
      Optional<JsonObject> tagged = docker.get().inspectImage(image);
      if (tagged.isPresent()) {
        String id = tagged.get().getString("Id");
        return new ResolvedImage(id, id);
      }
    }
    LOG.info("Image not found, may need to run: docker pull " + image);
    throw new JobFailure("Docker image " + image + " is not currently available");
  }

  /** {@code image} without the {@code DOCKER_REGISTRY/} prefix. */
  String nameTag(String image) {
    String prefix = settings.dockerRegistry() + "/";
    return image.startsWith(prefix) ? image.substring(prefix.length()) : image.substring(image.lastIndexOf('/') + 1);
  }

  private static boolean hasDigest(JsonObject image, String sha) {
    JsonArray digests = image.getJsonArray("RepoDigests", new JsonArray());
    for (Object d : digests) {
      if (String.valueOf(d).endsWith("@" + sha)) {
        return true;
      }
    }
    return false;
  }

  private Optional<JsonObject> pull(String ref) {
    int at = ref.indexOf('@');
    String repo = ref.substring(0, at);
    String digest = ref.substring(at + 1);
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        boolean done =
            docker
                .get()
                .client()
                .pullImageCmd(repo)
                .withTag(digest)
                .exec(new PullImageResultCallback())
                .awaitCompletion(settings.imagePullTimeout().toMillis(), TimeUnit.MILLISECONDS);
        if (done) {
          return docker.get().inspectImage(ref);
        }
        LOG.warning("Timed out pulling " + ref + " (attempt " + attempt + ")");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      } catch (RuntimeException e) {
        LOG.warning("Failed to pull " + ref + " (attempt " + attempt + "): " + e.getMessage());
      }
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }
    return Optional.empty();
  }
}

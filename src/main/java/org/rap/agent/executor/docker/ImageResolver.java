package org.rap.agent.executor.docker;

import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;
import org.rap.agent.executor.ExecutorRetry;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.JobFailure;
import org.rap.common.model.ImageNames;
import org.rap.common.model.JobDefinition;

/**
 * Finds the image a job runs (docs/spec/agent-executor.md section 4 step 2, adapted to machines
 * without a registry). With a digest: a local image with that id or repo digest; else, when pulls
 * are on (a registry is configured), {@code <DOCKER_PROXY>/<name:tag>@<digest>} pulled by digest (3
 * attempts, 1 s apart): a digest the registry does not have fails the job, an unreachable registry
 * is retried later, and the local tag is never used instead. With pulls off ({@code
 * DOCKER_PROXY=none}, machines without a registry): the local image carrying the tag. Without a
 * digest: the local tag. Nothing found: a clear error. Jobs and database tasks find their images
 * alike.
 */
public final class ImageResolver {
  private static final Logger LOG = Logger.getLogger(ImageResolver.class.getName());

  /**
   * @param ref what to pass to Docker (an image id or a digest reference)
   */
  public record ResolvedImage(String ref, String id) {}

  private final Supplier<DockerApi> docker;
  private final ExecutorSettings settings;

  public ImageResolver(Supplier<DockerApi> docker, ExecutorSettings settings) {
    this.docker = docker;
    this.settings = settings;
  }

  /**
   * A failed pull: the reference pulled and the registry's answer (the cause of the job's error).
   */
  public static final class PullFailed extends RuntimeException {
    private final String ref;
    private final String error;

    PullFailed(String ref, String error) {
      super(ref + ": " + error);
      this.ref = ref;
      this.error = error;
    }

    public String ref() {
      return ref;
    }

    public String error() {
      return error;
    }
  }

  public ResolvedImage resolve(JobDefinition job) {
    return resolve(job.image(), job.imageSha());
  }

  /**
   * The image {@code image} (as a definition names it), pinned to {@code imageSha} when not null.
   *
   * @throws JobFailure when it cannot be had (its cause a {@link PullFailed} when a pull failed)
   * @throws ExecutorRetry when the registry cannot be reached (cause: {@link PullFailed})
   */
  public ResolvedImage resolve(String image, String imageSha) {
    if (image == null || image.isBlank()) {
      throw new JobFailure("Job definition has no image");
    }
    String sha = imageSha == null ? "" : imageSha.strip();
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
      String byDigest =
          ImageNames.byDigest(image, settings.dockerRegistry(), settings.dockerProxy(), sha);
      Optional<JsonObject> proxied = docker.get().inspectImage(byDigest);
      if (proxied.isPresent()) {
        return new ResolvedImage(byDigest, proxied.get().getString("Id"));
      }
      if (settings.pullImages()) {
        // a registry is configured: the job runs exactly this digest or not at all
        return pullOrFail(image, sha, byDigest);
      }
      if (tagged.isPresent()) {
        LOG.warning(
            "Image "
                + image
                + " digest "
                + sha
                + " not available and no registry configured (DOCKER_PROXY=none);"
                + " using the local image "
                + tagged.get().getString("Id"));
        String id = tagged.get().getString("Id");
        return new ResolvedImage(id, id);
      }
    } else {
      Optional<JsonObject> tagged = docker.get().inspectImage(image);
      if (tagged.isPresent()) {
        String id = tagged.get().getString("Id");
        return new ResolvedImage(id, id);
      }
      if (settings.pullImages()) {
        // not pinned (the controller could not reach the registry): the tag, through the proxy
        return pullOrFail(image, null, settings.dockerProxy() + "/" + nameTag(image));
      }
    }
    LOG.info("Image not found, may need to run: docker pull " + image);
    throw new JobFailure("Docker image " + image + " is not currently available");
  }

  /**
   * What {@link #prePull} did: the image id pulled (empty when it failed) and the reason of a
   * failure.
   */
  public record PrePulled(String ref, Optional<String> id, String error) {}

  /**
   * Pulls {@code <DOCKER_PROXY>/<nameTag>} ahead of the jobs that will pin it (a pinned job then
   * finds the digest among the image's repo digests and pulls nothing), and points {@code
   * <DOCKER_REGISTRY>/<nameTag>} at it when it is newer than the image that tag names now, as the
   * reference's pulls do for operators. Blocking.
   */
  public PrePulled prePull(String nameTag) {
    String ref = settings.dockerProxy() + "/" + nameTag;
    PullResult r = pull(ref);
    if (r.image().isEmpty()) {
      return new PrePulled(ref, Optional.empty(), r.error());
    }
    JsonObject pulled = r.image().get();
    String local = settings.dockerRegistry() + "/" + nameTag;
    if (!local.equals(ref)) {
      Optional<JsonObject> current = docker.get().inspectImage(local);
      String created = pulled.getString("Created", "");
      if (current.isEmpty() || created.compareTo(current.get().getString("Created", "")) > 0) {
        int colon = local.lastIndexOf(':');
        docker
            .get()
            .client()
            .tagImageCmd(
                pulled.getString("Id"), local.substring(0, colon), local.substring(colon + 1))
            .withForce()
            .exec();
      }
    }
    return new PrePulled(ref, Optional.of(pulled.getString("Id")), "");
  }

  /** {@code image} without the {@code DOCKER_REGISTRY/} prefix. */
  String nameTag(String image) {
    return ImageNames.nameTag(image, settings.dockerRegistry());
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

  private ResolvedImage pullOrFail(String image, String sha, String byDigest) {
    PullResult r = pull(byDigest);
    if (r.image().isPresent()) {
      return new ResolvedImage(byDigest, r.image().get().getString("Id"));
    }
    String what =
        sha == null ? "Docker image " + image : "Docker image " + image + " with digest " + sha;
    if (r.notFound()) {
      throw new JobFailure(
          what + " was not found in the registry" + " (pulling " + byDigest + "): " + r.error(),
          new PullFailed(byDigest, r.error()));
    }
    if (r.timedOut()) {
      // a pull that never finishes would hold the job in preparing for ever: fail this attempt
      // (the controller runs the job again with a new task, up to MAX_TASK_ATTEMPTS)
      throw new JobFailure(
          "Pulling "
              + what
              + " timed out: "
              + byDigest
              + " did not arrive within "
              + settings.imagePullTimeout().toSeconds()
              + "s (IMAGE_PULL_TIMEOUT) in 3 attempts",
          new PullFailed(byDigest, r.error()));
    }
    // registry unreachable, timed out or erroring: the task is retried later
    throw new ExecutorRetry(
        "Could not pull Docker image " + byDigest + ": " + r.error(),
        new PullFailed(byDigest, r.error()));
  }

  /**
   * The pulled image, or why not ({@code notFound}: the registry does not have that digest; {@code
   * timedOut}: every attempt ran out of time).
   */
  record PullResult(Optional<JsonObject> image, boolean notFound, boolean timedOut, String error) {
    PullResult(Optional<JsonObject> image, boolean notFound, String error) {
      this(image, notFound, false, error);
    }
  }

  /** Pulls {@code ref} ({@code repo@digest} or {@code repo:tag}): 3 attempts, 1 s apart. */
  PullResult pull(String ref) {
    int at = ref.indexOf('@');
    int colon = ref.lastIndexOf(':');
    boolean byDigest = at > 0;
    String repo =
        byDigest
            ? ref.substring(0, at)
            : colon > ref.lastIndexOf('/') ? ref.substring(0, colon) : ref;
    String tag =
        byDigest
            ? ref.substring(at + 1)
            : colon > ref.lastIndexOf('/') ? ref.substring(colon + 1) : "latest";
    String error = "no attempt";
    int timeouts = 0;
    long limitNs = settings.imagePullTimeout().toNanos();
    for (int attempt = 1; attempt <= 3; attempt++) {
      long attemptStarted = System.nanoTime();
      try {
        PullImageResultCallback callback =
            docker
                .get()
                .client()
                .pullImageCmd(repo)
                .withTag(tag)
                .exec(new PullImageResultCallback());
        boolean done = false;
        try {
          done =
              callback.awaitCompletion(
                  settings.imagePullTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } finally {
          if (!done) {
            // closing the stream makes the daemon abandon the pull
            closeQuietly(callback);
          }
        }
        if (done) {
          Optional<JsonObject> pulled = docker.get().inspectImage(ref);
          if (pulled.isPresent()) {
            LOG.info("Pulled " + ref + " (image " + pulled.get().getString("Id") + ")");
            return new PullResult(pulled, false, "");
          }
          error = "the pull finished but " + ref + " is not there";
        } else {
          error = "timed out after " + settings.imagePullTimeout().toSeconds() + "s";
          timeouts++;
        }
        LOG.warning("Pulling " + ref + " failed (attempt " + attempt + "): " + error);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new PullResult(Optional.empty(), false, "interrupted");
      } catch (RuntimeException e) {
        if (System.nanoTime() - attemptStarted >= limitNs) {
          // the stream was abandoned at the time limit: a timeout, whatever the last status said
          timeouts++;
          error = "timed out after " + settings.imagePullTimeout().toSeconds() + "s";
          LOG.warning("Pulling " + ref + " failed (attempt " + attempt + "): " + error);
        } else {
          error = dockerMessage(e);
          LOG.warning("Failed to pull " + ref + " (attempt " + attempt + "): " + error);
          if (isNotFound(e)) {
            return new PullResult(Optional.empty(), true, error);
          }
        }
      }
      if (attempt < 3) {
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return new PullResult(Optional.empty(), false, "interrupted");
        }
      }
    }
    return new PullResult(Optional.empty(), false, timeouts == 3, error);
  }

  private static void closeQuietly(PullImageResultCallback callback) {
    try {
      callback.close();
    } catch (Exception e) {
      LOG.fine("closing an abandoned pull: " + e);
    }
  }

  /**
   * Docker's own message: {@code Status 500: {"message":"manifest unknown"}} gives {@code manifest
   * unknown}.
   */
  public static String dockerMessage(RuntimeException e) {
    String m = String.valueOf(e.getMessage()).strip();
    int brace = m.indexOf('{');
    if (m.startsWith("Status ") && brace > 0) {
      try {
        String inner = new JsonObject(m.substring(brace)).getString("message");
        if (inner != null && !inner.isBlank()) {
          return inner.strip();
        }
      } catch (RuntimeException notJson) {
        // keep the whole text
      }
    }
    return m;
  }

  /** The registry answered that it has no such manifest (or repository). */
  static boolean isNotFound(RuntimeException e) {
    if (e instanceof NotFoundException) {
      return true;
    }
    String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    return m.contains("manifest unknown") || m.contains("name unknown") || m.contains("not found");
  }
}

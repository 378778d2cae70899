package org.rap.local;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.ResponseItem;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.rap.agent.executor.docker.DockerApi;
import org.rap.agent.executor.docker.ImageResolver;

/**
 * Makes sure every image a run needs is there before the first job starts, as {@code opensafely
 * run} does: a missing image is pulled from {@code DOCKER_REGISTRY} with a progress line; a pull
 * that fails says which image and why; when the registry cannot be reached at all that is said
 * once, not once per image.
 */
public final class ImagePuller {
  private final DockerApi docker;
  private final ProgressView view;

  public ImagePuller(DockerApi docker, ProgressView view) {
    this.docker = docker;
    this.view = view;
  }

  /** Images not present locally (one inspect each). */
  public List<String> missing(Collection<String> images) {
    List<String> missing = new ArrayList<>();
    for (String image : images) {
      if (docker.inspectImage(image).isEmpty()) {
        missing.add(image);
      }
    }
    return missing;
  }

  /** Pulls {@code images}; returns the error lines (empty when every pull worked). */
  public List<String> pull(List<String> images) {
    List<String> errors = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      String image = images.get(i);
      String error = pullOne(image);
      if (error == null) {
        continue;
      }
      if (unreachable(error)) {
        List<String> rest = images.subList(i, images.size());
        errors.add(
            "No registry reachable at "
                + registryOf(image)
                + " ("
                + error
                + "): cannot pull "
                + String.join(", ", rest)
                + ".\nCheck your network connection and DOCKER_REGISTRY, or load the images"
                + " with docker load / docker pull.");
        break;
      }
      errors.add("Could not pull " + image + ": " + error);
    }
    return errors;
  }

  /** Null when pulled, else why not. */
  private String pullOne(String image) {
    long t0 = System.nanoTime();
    String key = "pull " + image;
    view.status(key, "pulling (docker pull " + image + ")");
    int colon = image.lastIndexOf(':');
    boolean tagged = colon > image.lastIndexOf('/');
    String repo = tagged ? image.substring(0, colon) : image;
    String tag = tagged ? image.substring(colon + 1) : "latest";
    String[] error = new String[1];
    try {
      ResultCallback.Adapter<PullResponseItem> cb =
          docker
              .client()
              .pullImageCmd(repo)
              .withTag(tag)
              .exec(
                  new ResultCallback.Adapter<>() {
                    @Override
                    public void onNext(PullResponseItem item) {
                      ResponseItem.ErrorDetail detail = item.getErrorDetail();
                      if (detail != null) {
                        error[0] = String.valueOf(detail.getMessage());
                        return;
                      }
                      view.status(key, describe(item));
                    }
                  });
      cb.awaitCompletion(30, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      error[0] = "interrupted";
    } catch (RuntimeException e) {
      error[0] = ImageResolver.dockerMessage(e);
    }
    if (error[0] == null && docker.inspectImage(image).isEmpty()) {
      error[0] = "the pull finished but the image is not there";
    }
    String took = String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - t0) / 1e9);
    view.done(
        key, error[0] == null ? "Pulled " + image + " in " + took : "Pull of " + image + " failed");
    return error[0] == null ? null : error[0].strip();
  }

  private static String describe(PullResponseItem item) {
    StringBuilder sb = new StringBuilder(String.valueOf(item.getStatus()));
    if (item.getId() != null) {
      sb.append(' ').append(item.getId());
    }
    ResponseItem.ProgressDetail p = item.getProgressDetail();
    if (p != null && p.getTotal() != null && p.getTotal() > 0 && p.getCurrent() != null) {
      sb.append(
          String.format(Locale.ROOT, " %.1f/%.1f MB", p.getCurrent() / 1e6, p.getTotal() / 1e6));
    }
    return sb.toString();
  }

  /** The registry cannot be reached at all (name, connection, TLS), as opposed to refusing. */
  static boolean unreachable(String error) {
    String e = error.toLowerCase(Locale.ROOT);
    return e.contains("no such host")
        || e.contains("connection refused")
        || e.contains("i/o timeout")
        || e.contains("network is unreachable")
        || e.contains("deadline exceeded")
        || e.contains("tls handshake")
        || e.contains("dial tcp")
        || e.contains("temporary failure in name resolution")
        || e.contains("server misbehaving");
  }

  static String registryOf(String image) {
    int slash = image.indexOf('/');
    String first = slash < 0 ? "" : image.substring(0, slash);
    return first.contains(".") || first.contains(":") || first.equals("localhost")
        ? first
        : "docker.io";
  }
}

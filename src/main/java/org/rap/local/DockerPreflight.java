package org.rap.local;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.rap.agent.executor.docker.DockerApi;
import org.rap.agent.executor.docker.UnixSocketHttpClient;

/**
 * Before anything runs: is there a Docker engine, and does it answer? Each way of failing gets a
 * short message saying which it is and what to do (the reference's {@code docker info} check,
 * without needing the docker command line).
 */
public final class DockerPreflight {
  /** Docker cannot be used; the message says why and what to do. */
  public static final class DockerUnavailable extends Exception {
    DockerUnavailable(String message) {
      super(message);
    }
  }

  private DockerPreflight() {}

  /**
   * Connects and pings the engine (over a Unix socket, a bare {@code GET /_ping}: the engine's
   * cheapest call, where {@code /info} costs it tens of milliseconds; any other host is asked for
   * its info).
   */
  public static DockerApi connect(String host) throws DockerUnavailable {
    URI uri;
    try {
      uri = URI.create(host);
    } catch (IllegalArgumentException e) {
      throw new DockerUnavailable("DOCKER_HOST is not a valid address: " + host);
    }
    Path socket = "unix".equals(uri.getScheme()) ? Path.of(uri.getPath()) : null;
    if (socket != null && !Files.exists(socket)) {
      throw new DockerUnavailable(
          "No Docker engine found: there is no Docker socket at "
              + socket
              + where(host)
              + ".\nInstall Docker (https://docs.docker.com/get-docker/) and start it,"
              + " or point DOCKER_HOST at your engine (e.g. unix:///path/to/docker.sock).");
    }
    try {
      if (socket != null) {
        ping(socket);
      }
    } catch (RuntimeException e) {
      throw new DockerUnavailable(explain(host, socket, e));
    }
    DockerApi docker;
    try {
      docker = DockerApi.connect(host);
    } catch (RuntimeException e) {
      throw new DockerUnavailable("Cannot use DOCKER_HOST=" + host + ": " + e.getMessage());
    }
    if (socket == null) {
      try {
        docker.info();
      } catch (RuntimeException e) {
        try {
          docker.close();
        } catch (Exception ignored) {
          // already failing
        }
        throw new DockerUnavailable(explain(host, socket, e));
      }
    }
    return docker;
  }

  /** {@code GET /_ping} within {@link DockerApi#INSPECT_TIMEOUT}; throws unless Docker says OK. */
  private static void ping(Path socket) {
    DockerHttpClient http = new UnixSocketHttpClient(socket, DockerApi.INSPECT_TIMEOUT);
    DockerHttpClient.Request req =
        DockerHttpClient.Request.builder()
            .method(DockerHttpClient.Request.Method.GET)
            .path("/_ping")
            .build();
    try (DockerHttpClient.Response resp = http.execute(req)) {
      if (resp.getStatusCode() != 200) {
        String body = new String(resp.getBody().readAllBytes(), StandardCharsets.UTF_8).strip();
        throw new IllegalStateException(
            "the engine answered " + resp.getStatusCode() + " to a ping: " + body);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String where(String host) {
    return System.getenv("DOCKER_HOST") == null ? "" : " (DOCKER_HOST=" + host + ")";
  }

  static String explain(String host, Path socket, Throwable e) {
    String text = causes(e).toLowerCase(Locale.ROOT);
    String at = socket != null ? socket.toString() : host;
    if (text.contains("permission denied") || text.contains("access denied")) {
      return "Cannot use the Docker engine at "
          + at
          + ": permission denied.\nAdd your user to the docker group"
          + " (sudo usermod -aG docker $USER, then log in again), or run as a user who may use"
          + " Docker.";
    }
    if (text.contains("refused") || text.contains("no such file") || text.contains("reset")) {
      return "The Docker engine is not running: nothing answers at "
          + at
          + where(host)
          + ".\nStart Docker (Docker Desktop, or: sudo systemctl start docker) and try again.";
    }
    if (text.contains("timed out") || text.contains("did not answer")) {
      return "The Docker engine at " + at + " does not answer.\nRestart Docker and try again.";
    }
    return "The Docker engine at "
        + at
        + " could not be used: "
        + firstLine(e)
        + "\nCheck that Docker is running (docker info) and try again.";
  }

  private static String causes(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      sb.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append('\n');
    }
    return sb.toString();
  }

  private static String firstLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    String m = String.valueOf(root.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}

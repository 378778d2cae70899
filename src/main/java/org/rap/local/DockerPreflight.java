package org.rap.local;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.core.DockerClientConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.rap.agent.executor.docker.DockerApi;

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

  /** Connects and asks the engine for its info (which the executor needs anyway). */
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
    DockerApi docker;
    try {
      docker = DockerApi.connectDirect(host);
    } catch (RuntimeException e) {
      throw new DockerUnavailable("Cannot use DOCKER_HOST=" + host + ": " + e.getMessage());
    }
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
    prime(docker);
    return docker;
  }

  /**
   * docker-java maps its request classes the first time it sends one (tens of milliseconds for a
   * container create): done here, on the start-up thread that reaches Docker while the study is
   * read, instead of on the first job's path.
   */
  private static void prime(DockerApi docker) {
    try {
      CreateContainerCmd cmd =
          docker
              .client()
              .createContainerCmd("prime")
              .withHostConfig(
                  HostConfig.newHostConfig()
                      .withInit(true)
                      .withLogConfig(new LogConfig(LogConfig.LoggingType.LOCAL, Map.of()))
                      .withCapDrop(Capability.ALL)
                      .withBinds(new Bind("/prime", new Volume("/workspace"), AccessMode.rw)))
              .withLabels(Map.of())
              .withEnv(List.of())
              .withCmd(List.of());
      DockerClientConfig.getDefaultObjectMapper().writeValueAsBytes(cmd);
    } catch (Exception e) {
      // only a warm-up
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

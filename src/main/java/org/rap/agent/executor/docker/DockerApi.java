package org.rap.agent.executor.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.BadRequestException;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.rap.agent.executor.ExecutorRetry;
import org.rap.common.telemetry.CallTimer;

/**
 * The agent's connection to the Docker engine: a job container's life (create, start, wait, logs,
 * remove) and inspects as plain Engine API calls through docker-java's transport, inspects
 * returning Docker's own JSON (kept verbatim as {@code container_metadata}); docker-java's client
 * for the other commands. Every method blocks: call from a worker thread.
 */
public final class DockerApi implements Closeable {
  public static final Duration INSPECT_TIMEOUT = Duration.ofSeconds(15);

  /** Containers watched at once with {@link #watchExit}; each holds one connection until exit. */
  public static final int MAX_WATCHES = 64;

  private final String host;
  private final DockerHttpClient http;
  private final DockerHttpClient inspectHttp;
  private final DockerHttpClient waitHttp;
  private final ContainerCalls calls;
  private volatile DockerClient client;

  private DockerApi(
      String host, DockerHttpClient http, DockerHttpClient inspectHttp, DockerHttpClient waitHttp) {
    this.host = host;
    this.http = http;
    this.inspectHttp = inspectHttp;
    this.waitHttp = waitHttp;
    this.calls = new ContainerCalls(http, waitHttp);
  }

  /** Connects to {@code DOCKER_HOST} or the local socket. API version left to the daemon. */
  public static DockerApi connect() {
    return connect(CallTimer.NONE);
  }

  /** As {@link #connect()}, timing every Engine API call with {@code timer}. */
  public static DockerApi connect(CallTimer timer) {
    return connect(dockerHost(), timer);
  }

  public static DockerApi connect(String host) {
    return connect(host, CallTimer.NONE);
  }

  /** {@code DOCKER_HOST}, else the local socket. */
  public static String dockerHost() {
    return Optional.ofNullable(System.getenv("DOCKER_HOST")).orElse("unix:///var/run/docker.sock");
  }

  /**
   * To {@code host}, timing every Engine API call with {@code timer}. A Unix-socket engine is
   * reached through {@link UnixSocketHttpClient}: a connection per request costs microseconds, and
   * no TLS or connection-pool set-up is paid by short commands such as {@code rap run}, nor a
   * pooled HTTP stack's CPU by each of an agent's calls. Any other host goes through docker-java's
   * own transport.
   */
  public static DockerApi connect(String host, CallTimer timer) {
    URI uri = URI.create(host);
    if ("unix".equals(uri.getScheme())) {
      Path socket = Path.of(uri.getPath());
      return of(
          host,
          TimedDockerHttpClient.wrap(new UnixSocketHttpClient(socket, Duration.ZERO), timer),
          TimedDockerHttpClient.wrap(new UnixSocketHttpClient(socket, INSPECT_TIMEOUT), timer),
          new UnixSocketHttpClient(socket, Duration.ZERO));
    }
    DockerHttpClient http =
        new ZerodepDockerHttpClient.Builder()
            .dockerHost(URI.create(host))
            .maxConnections(16)
            .connectionTimeout(Duration.ofSeconds(10))
            .build();
    DockerHttpClient inspect =
        new ZerodepDockerHttpClient.Builder()
            .dockerHost(URI.create(host))
            .maxConnections(4)
            .connectionTimeout(INSPECT_TIMEOUT)
            .responseTimeout(INSPECT_TIMEOUT)
            .build();
    http = TimedDockerHttpClient.wrap(http, timer);
    inspect = TimedDockerHttpClient.wrap(inspect, timer);
    // waits hold their connection while the container runs: a pool of their own, so they never
    // starve the short commands
    DockerHttpClient wait =
        new ZerodepDockerHttpClient.Builder()
            .dockerHost(URI.create(host))
            .maxConnections(MAX_WATCHES)
            .connectionTimeout(Duration.ofSeconds(10))
            .build();
    // waits last as long as the container runs: not timed as Docker calls
    return of(host, http, inspect, wait);
  }

  private static DockerApi of(
      String host, DockerHttpClient http, DockerHttpClient inspect, DockerHttpClient wait) {
    return new DockerApi(host, http, inspect, wait);
  }

  /**
   * Docker's wait API ({@code POST /containers/<name>/wait}, condition not-running), asynchronous:
   * {@code done} runs on a thread of the wait's own when Docker reports the container not running
   * (at once when it has exited already) or the wait failed (no such container, connection lost,
   * the stream ended without Docker's report: the argument is the error). Does not block; the
   * returned handle cancels the wait.
   */
  public Closeable watchExit(String name, Consumer<Throwable> done) {
    return calls.watchExit(name, done);
  }

  /**
   * docker-java's client, for the commands not made as plain calls here (pulls, tags, kills,
   * database tasks). Set up on first use: reading the Docker configuration and docker-java's object
   * mapper cost a fresh process tens of milliseconds that a local run's jobs do not need.
   */
  public DockerClient client() {
    DockerClient c = client;
    if (c == null) {
      synchronized (this) {
        c = client;
        if (c == null) {
          DefaultDockerClientConfig cfg =
              DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host).build();
          c = DockerClientImpl.getInstance(cfg, http);
          client = c;
        }
      }
    }
    return c;
  }

  /**
   * {@code POST /containers/create?name=<name>} with {@code body} (the Engine API's JSON); returns
   * the new container's id.
   *
   * @throws ConflictException when the name is taken
   * @throws NotFoundException when the image or network does not exist
   * @throws BadRequestException when Docker finds the request invalid
   */
  public String createContainer(String name, JsonObject body) {
    return calls.create(name, body);
  }

  /**
   * {@code POST /containers/<name>/start}.
   *
   * @throws NotModifiedException when it is running already
   * @throws NotFoundException when there is no such container
   */
  public void startContainer(String name) {
    calls.start(name);
  }

  /**
   * {@code DELETE /containers/<nameOrId>?force=true} (stopping it first if it runs).
   *
   * @throws NotFoundException when there is no such container
   * @throws ConflictException when Docker is removing it already
   */
  public void removeContainer(String nameOrId) {
    calls.remove(nameOrId);
  }

  /**
   * {@code docker container inspect <name>}: empty when there is no such container.
   *
   * @throws ExecutorRetry when Docker does not answer within 15 s or is unreachable
   */
  public Optional<JsonObject> inspectContainer(String name) {
    return inspect(
        "/containers/" + URLEncoder.encode(name, StandardCharsets.UTF_8) + "/json",
        "container " + name,
        true);
  }

  /** {@code docker image inspect <ref>} as Docker's JSON, empty when there is no such image. */
  public Optional<JsonObject> inspectImage(String ref) {
    return inspect("/images/" + ref + "/json", "image " + ref, false);
  }

  /**
   * {@code docker info} as Docker's JSON (its {@code NCPU}, versions, ...).
   *
   * @throws ExecutorRetry when Docker does not answer within 15 s or is unreachable
   */
  public JsonObject info() {
    return inspect("/info", "the engine", true).orElseGet(JsonObject::new);
  }

  /**
   * {@code docker container ls --all} of the containers carrying every label given (key, or
   * key=value when the value is not empty), as Docker's JSON: {@code Id}, {@code Names}, {@code
   * Labels}, {@code Mounts} with their {@code Source}, ...
   */
  public JsonArray containers(Map<String, String> labels) {
    JsonArray label = new JsonArray();
    labels.forEach((k, v) -> label.add(v.isEmpty() ? k : k + "=" + v));
    String filters = new JsonObject().put("label", label).encode();
    String path =
        "/containers/json?all=1&filters=" + URLEncoder.encode(filters, StandardCharsets.UTF_8);
    return get(path, "containers", true).map(JsonArray::new).orElseGet(JsonArray::new);
  }

  /**
   * GET an inspect path: the JSON on 200, empty on 404, else a retryable error naming {@code what}
   * ({@code timeoutMessage}: say so when the inspect timed out).
   */
  private Optional<JsonObject> inspect(String path, String what, boolean timeoutMessage) {
    return get(path, what, timeoutMessage).map(JsonObject::new);
  }

  private Optional<String> get(String path, String what, boolean timeoutMessage) {
    DockerHttpClient.Request req =
        DockerHttpClient.Request.builder()
            .method(DockerHttpClient.Request.Method.GET)
            .path(path)
            .build();
    try (DockerHttpClient.Response resp = inspectHttp.execute(req)) {
      int status = resp.getStatusCode();
      String body = new String(resp.getBody().readAllBytes(), StandardCharsets.UTF_8);
      if (status == 404) {
        return Optional.empty();
      }
      if (status != 200) {
        throw new ExecutorRetry(
            "docker error " + status + " inspecting " + what + ": " + body.strip());
      }
      return Optional.of(body);
    } catch (IOException | RuntimeException e) {
      if (e instanceof ExecutorRetry r) {
        throw r;
      }
      if (timeoutMessage && isTimeout(e)) {
        throw new ExecutorRetry(
            "docker timed out after " + INSPECT_TIMEOUT.toSeconds() + "s inspecting " + what, e);
      }
      throw new ExecutorRetry("docker unavailable inspecting " + what + ": " + e, e);
    }
  }

  /**
   * {@code docker container logs --timestamps --tail <tail>}: stdout and stderr together, frame
   * payloads written to {@code sink} in arrival order (a frame is a chunk of output, not
   * necessarily a line) as they come, so memory stays bounded whatever the container printed.
   * Nothing is written for a container that does not exist.
   *
   * @throws ExecutorRetry when Docker does not finish within {@code timeout} or the read fails
   * @throws IOException when {@code sink} fails
   */
  public void streamLogs(String name, int tail, Duration timeout, OutputStream sink)
      throws IOException {
    calls.streamLogs(name, tail, timeout, sink);
  }

  private static boolean isTimeout(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SocketTimeoutException
          || t instanceof TimeoutException
          || (t.getMessage() != null && t.getMessage().toLowerCase().contains("timed out"))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    try {
      DockerClient c = client;
      if (c != null) {
        c.close();
      }
    } finally {
      try {
        http.close();
      } finally {
        try {
          inspectHttp.close();
        } finally {
          waitHttp.close();
        }
      }
    }
  }
}

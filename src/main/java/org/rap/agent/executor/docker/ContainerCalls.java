package org.rap.agent.executor.docker;

import com.github.dockerjava.api.exception.BadRequestException;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.transport.DockerHttpClient;
import io.vertx.core.json.JsonObject;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.rap.agent.executor.ExecutorRetry;

/**
 * A job container's life as plain Engine API calls through docker-java's transport: create, start,
 * wait, logs and remove. docker-java's own command model maps its classes by reflection the first
 * time each command is used, tens of milliseconds of a fresh process's CPU on the way to its first
 * job, and a little of an agent's CPU on every job. Docker's refusals become docker-java's
 * exceptions for their status ({@link NotModifiedException} 304, {@link BadRequestException} 400,
 * {@link NotFoundException} 404, {@link ConflictException} 409), with Docker's own message.
 */
final class ContainerCalls {
  private final DockerHttpClient http;
  private final DockerHttpClient waitHttp;

  /**
   * @param http short commands and log reads
   * @param waitHttp waits, which hold their connection while the container runs
   */
  ContainerCalls(DockerHttpClient http, DockerHttpClient waitHttp) {
    this.http = http;
    this.waitHttp = waitHttp;
  }

  /** {@code POST /containers/create?name=<name>}: returns the new container's id. */
  String create(String name, JsonObject body) {
    String answer =
        send(
            DockerHttpClient.Request.Method.POST,
            "/containers/create?name=" + encode(name),
            body.toBuffer().getBytes(),
            "creating container " + name);
    return new JsonObject(answer).getString("Id");
  }

  /** {@code POST /containers/<name>/start}. */
  void start(String name) {
    send(
        DockerHttpClient.Request.Method.POST,
        "/containers/" + encode(name) + "/start",
        null,
        "starting container " + name);
  }

  /** {@code DELETE /containers/<nameOrId>?force=true}. */
  void remove(String nameOrId) {
    send(
        DockerHttpClient.Request.Method.DELETE,
        "/containers/" + encode(nameOrId) + "?force=true",
        null,
        "removing container " + nameOrId);
  }

  /**
   * {@code POST /containers/<name>/wait?condition=not-running} on a thread of its own: {@code done}
   * runs on it when Docker reports the container not running (at once when it has exited already),
   * or with the error when the wait failed (no such container, connection lost, the answer ended
   * without Docker's report). The returned handle cancels the wait ({@code done} is then not
   * called).
   */
  Closeable watchExit(String name, Consumer<Throwable> done) {
    AtomicBoolean cancelled = new AtomicBoolean();
    AtomicReference<DockerHttpClient.Response> open = new AtomicReference<>();
    DockerHttpClient.Request req =
        DockerHttpClient.Request.builder()
            .method(DockerHttpClient.Request.Method.POST)
            .path("/containers/" + encode(name) + "/wait?condition=not-running")
            .build();
    Thread t =
        new Thread(
            () -> {
              Throwable outcome;
              try (DockerHttpClient.Response resp = waitHttp.execute(req)) {
                open.set(resp);
                if (cancelled.get()) {
                  return;
                }
                int status = resp.getStatusCode();
                String body = new String(resp.getBody().readAllBytes(), StandardCharsets.UTF_8);
                outcome =
                    status != 200
                        ? refusal(status, body, "waiting for container " + name)
                        : body.contains("StatusCode")
                            ? null
                            : new IOException(
                                "the wait for container " + name + " ended without its exit");
              } catch (IOException | RuntimeException e) {
                outcome = e;
              }
              if (!cancelled.get()) {
                done.accept(outcome);
              }
            },
            "docker-wait-" + name);
    t.setDaemon(true);
    t.start();
    return () -> {
      if (cancelled.compareAndSet(false, true)) {
        DockerHttpClient.Response r = open.get();
        if (r != null) {
          r.close();
        }
      }
    };
  }

  /**
   * {@code GET /containers/<name>/logs?stdout&stderr&timestamps&tail=<tail>}: the frames' payloads
   * (stdout and stderr in arrival order) written to {@code sink} as they come; nothing for a
   * container that does not exist.
   *
   * @throws ExecutorRetry when Docker does not finish within {@code timeout} or the read fails
   * @throws IOException when {@code sink} fails
   */
  void streamLogs(String name, int tail, Duration timeout, OutputStream sink) throws IOException {
    DockerHttpClient.Request req =
        DockerHttpClient.Request.builder()
            .method(DockerHttpClient.Request.Method.GET)
            .path(
                "/containers/"
                    + encode(name)
                    + "/logs?stdout=true&stderr=true&timestamps=true&tail="
                    + tail)
            .build();
    AtomicBoolean finished = new AtomicBoolean();
    AtomicBoolean timedOut = new AtomicBoolean();
    IOException sinkFailure = null;
    try (DockerHttpClient.Response resp = http.execute(req)) {
      int status = resp.getStatusCode();
      if (status == 404) {
        return;
      }
      if (status != 200) {
        String body = new String(resp.getBody().readAllBytes(), StandardCharsets.UTF_8);
        throw new ExecutorRetry(
            "docker error " + status + " reading logs of " + name + ": " + engineMessage(body));
      }
      CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .execute(
              () -> {
                if (!finished.get()) {
                  timedOut.set(true);
                  resp.close();
                }
              });
      sinkFailure = copyFrames(resp.getBody(), sink);
    } catch (IOException | RuntimeException e) {
      if (e instanceof ExecutorRetry r) {
        throw r;
      }
      if (timedOut.get()) {
        throw new ExecutorRetry(
            "docker timed out after " + timeout.toSeconds() + "s reading logs of " + name, e);
      }
      throw new ExecutorRetry("failed reading logs of " + name + ": " + e, e);
    } finally {
      finished.set(true);
    }
    if (sinkFailure != null) {
      throw sinkFailure;
    }
  }

  /**
   * Docker's multiplexed log stream (frames of an 8-byte header, its stream type and payload size,
   * then the payload) into {@code sink}, payloads only; a stream without frame headers (a TTY
   * container's) is copied as it is. Returns the sink's failure, if any (reading stops there).
   */
  static IOException copyFrames(InputStream in, OutputStream sink) throws IOException {
    byte[] head = new byte[8];
    byte[] buf = new byte[8192];
    while (true) {
      int n = in.readNBytes(head, 0, 8);
      if (n == 0) {
        return null;
      }
      if (n < 8 || head[0] > 2 || head[1] != 0 || head[2] != 0 || head[3] != 0) {
        // not frames: the raw output, copied to its end
        IOException failed = write(sink, head, n);
        return failed != null ? failed : copy(in, sink, buf, Long.MAX_VALUE);
      }
      long size =
          ((head[4] & 0xffL) << 24)
              | ((head[5] & 0xff) << 16)
              | ((head[6] & 0xff) << 8)
              | (head[7] & 0xff);
      IOException failed = copy(in, sink, buf, size);
      if (failed != null) {
        return failed;
      }
    }
  }

  /**
   * Up to {@code size} bytes (fewer when the stream ends: what came is kept) from {@code in} to
   * {@code sink}; returns the sink's failure, if any.
   */
  private static IOException copy(InputStream in, OutputStream sink, byte[] buf, long size)
      throws IOException {
    while (size > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, size));
      if (r < 0) {
        return null;
      }
      IOException failed = write(sink, buf, r);
      if (failed != null) {
        return failed;
      }
      size -= r;
    }
    return null;
  }

  private static IOException write(OutputStream sink, byte[] b, int n) {
    try {
      sink.write(b, 0, n);
      return null;
    } catch (IOException e) {
      return e;
    }
  }

  /** A call without a streamed answer: its answer's body on success, else Docker's refusal. */
  private String send(
      DockerHttpClient.Request.Method method, String path, byte[] json, String what) {
    DockerHttpClient.Request.Builder b =
        DockerHttpClient.Request.builder().method(method).path(path);
    if (json != null) {
      b.putHeader("Content-Type", "application/json").bodyBytes(json);
    }
    String answer;
    int status;
    try (DockerHttpClient.Response resp = http.execute(b.build())) {
      status = resp.getStatusCode();
      answer = new String(resp.getBody().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("docker: " + what + " failed", e);
    }
    if (status / 100 == 2) {
      return answer;
    }
    throw refusal(status, answer, what);
  }

  private static RuntimeException refusal(int status, String body, String what) {
    String message = status == 304 ? what + ": nothing to do" : engineMessage(body);
    return switch (status) {
      case 304 -> new NotModifiedException(message);
      case 400 -> new BadRequestException(message);
      case 404 -> new NotFoundException(message);
      case 409 -> new ConflictException(message);
      default -> new DockerException(message, status);
    };
  }

  /** The {@code message} of an Engine API error body, else the body itself. */
  private static String engineMessage(String body) {
    try {
      String m = new JsonObject(body).getString("message");
      if (m != null) {
        return m;
      }
    } catch (RuntimeException e) {
      // not JSON: the body says it
    }
    return body.strip();
  }

  private static String encode(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8);
  }
}

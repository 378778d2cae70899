package org.rap.agent.executor.docker;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.rap.common.telemetry.CallTimer;

/**
 * Times every Docker Engine API call made through a docker-java client ({@code
 * rap_docker_call_seconds}), from the request until its response is closed (so streamed calls such
 * as wait and logs count in full). Operations are the method and a path template such as {@code
 * POST containers/start}: container ids, names and image references never become labels. Outcomes:
 * {@code success} (status below 400), {@code not_found} (404), {@code error}.
 */
public final class TimedDockerHttpClient implements DockerHttpClient {
  private static final Pattern VERSION = Pattern.compile("^/v[0-9]+(\\.[0-9]+)?(?=/)");
  private static final Pattern WORD = Pattern.compile("[a-z_]+");
  private static final Set<String> KEYWORDS =
      Set.of("create", "json", "prune", "load", "search", "get");

  private final DockerHttpClient delegate;
  private final CallTimer timer;

  public TimedDockerHttpClient(DockerHttpClient delegate, CallTimer timer) {
    this.delegate = delegate;
    this.timer = timer;
  }

  /** {@code delegate} unchanged when nothing is timed. */
  public static DockerHttpClient wrap(DockerHttpClient delegate, CallTimer timer) {
    return timer == CallTimer.NONE ? delegate : new TimedDockerHttpClient(delegate, timer);
  }

  @Override
  public Response execute(Request request) {
    String operation = operation(request.method(), request.path());
    long start = System.nanoTime();
    Response response;
    try {
      response = delegate.execute(request);
    } catch (RuntimeException e) {
      timer.record(operation, "error", System.nanoTime() - start);
      throw e;
    }
    return new TimedResponse(response, operation, start);
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }

  /** {@code METHOD resource/action} with ids and names replaced by {@code {id}}. */
  static String operation(String method, String rawPath) {
    String path = rawPath == null ? "" : rawPath;
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    path = VERSION.matcher(path).replaceFirst("");
    String[] segs = path.replaceAll("^/+|/+$", "").split("/+");
    String resource = segs.length == 0 || segs[0].isEmpty() ? "" : word(segs[0]);
    String op;
    if (segs.length <= 1) {
      op = resource;
    } else if (segs.length == 2) {
      op = resource + "/" + (KEYWORDS.contains(segs[1]) ? segs[1] : "{id}");
    } else {
      op = resource + "/" + word(segs[segs.length - 1]);
    }
    return method + " " + op;
  }

  private static String word(String s) {
    return WORD.matcher(s).matches() ? s : "{id}";
  }

  private final class TimedResponse implements Response {
    private final Response delegate;
    private final String operation;
    private final long start;
    private final AtomicBoolean recorded = new AtomicBoolean();

    TimedResponse(Response delegate, String operation, long start) {
      this.delegate = delegate;
      this.operation = operation;
      this.start = start;
    }

    @Override
    public int getStatusCode() {
      return delegate.getStatusCode();
    }

    @Override
    public Map<String, List<String>> getHeaders() {
      return delegate.getHeaders();
    }

    @Override
    public InputStream getBody() {
      return delegate.getBody();
    }

    @Override
    public void close() {
      int status;
      try {
        status = delegate.getStatusCode();
      } catch (RuntimeException e) {
        status = 599;
      }
      try {
        delegate.close();
      } finally {
        if (recorded.compareAndSet(false, true)) {
          // 404 is how Docker answers "no such container/image": an answer, not a failure
          String outcome = status < 400 ? "success" : status == 404 ? "not_found" : "error";
          timer.record(operation, outcome, System.nanoTime() - start);
        }
      }
    }
  }
}

package org.rap.agent.poller;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import org.rap.common.http.TlsProtocols;
import org.rap.common.tasks.AgentTask;
import org.rap.common.tasks.TaskList;
import org.rap.common.tasks.TaskProtocol;
import org.rap.common.tasks.TaskUpdate;
import org.rap.common.tasks.UpdateForm;

/**
 * The agent side of the task API (docs/spec/task-api.md sections 3 to 5) on a non-blocking
 * WebClient with one persistent connection pool. Non-2xx answers and network errors fail with
 * {@link TaskApiException}; a 401 or 403 also reports a fatal error naming {@code
 * CONTROLLER_TASK_API_TOKEN}.
 */
public final class TaskApiClient implements UpdateSink {
  private static final Logger LOG = Logger.getLogger(TaskApiClient.class.getName());

  /** Extra time on top of a long poll's wait before the request counts as timed out. */
  static final Duration LONG_POLL_GRACE = Duration.ofSeconds(15);

  private final WebClient client;
  private final String tasksUrl;
  private final String updateUrl;
  private final String backend;
  private final String token;
  private final Duration requestTimeout;
  private final FatalErrors fatal;
  private final Identity identity;

  /** Lease tokens of the tasks listed lately (a lost task's token is still sent, and refused). */
  private final Map<String, Long> leaseTokens =
      Collections.synchronizedMap(
          new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
              return size() > MAX_REMEMBERED_LEASES;
            }
          });

  private static final int MAX_REMEMBERED_LEASES = 10_000;

  /**
   * Who polls (docs/spec/task-api.md section 8.1): the agent's id and capacity, sent on every
   * request; without one, the agent is its backend's one agent without an id. Capacity 0 only looks
   * at what the agent holds (operator commands); {@code storageId} may be null.
   */
  public record Identity(String agentId, int capacity, String storageId) {}

  public TaskApiClient(
      Vertx vertx,
      String endpoint,
      String backend,
      String token,
      Duration requestTimeout,
      FatalErrors fatal) {
    this(vertx, endpoint, backend, token, requestTimeout, fatal, Optional.empty());
  }

  /**
   * @param caFile PEM CA certificates that alone are trusted for an https endpoint ({@code
   *     CONTROLLER_CA_FILE}); empty: the JVM's trusted CAs. The controller's host name is always
   *     checked against its certificate.
   */
  public TaskApiClient(
      Vertx vertx,
      String endpoint,
      String backend,
      String token,
      Duration requestTimeout,
      FatalErrors fatal,
      Optional<Path> caFile) {
    this(vertx, endpoint, backend, token, requestTimeout, fatal, caFile, null);
  }

  /** As a named agent ({@code identity} non-null), holding its tasks under leases. */
  public TaskApiClient(
      Vertx vertx,
      String endpoint,
      String backend,
      String token,
      Duration requestTimeout,
      FatalErrors fatal,
      Optional<Path> caFile,
      Identity identity) {
    this.identity = identity;
    this.client =
        WebClient.create(
            vertx,
            TlsProtocols.verifying(
                new WebClientOptions()
                    .setKeepAlive(true)
                    .setUserAgent("rap-agent/" + backend)
                    .setConnectTimeout(
                        (int) Math.min(Integer.MAX_VALUE, requestTimeout.toMillis())),
                caFile));
    String base = endpoint.endsWith("/") ? endpoint : endpoint + "/";
    this.tasksUrl = base + TaskProtocol.tasksPath(backend);
    this.updateUrl = base + TaskProtocol.updatePath(backend);
    this.backend = backend;
    this.token = token;
    this.requestTimeout = requestTimeout;
    this.fatal = fatal;
  }

  /**
   * The backend's active tasks. {@code waitSeconds > 0} asks the controller to hold the request
   * until a task exists or changes (a controller without long polling answers at once).
   */
  public Future<List<AgentTask>> fetchTasks(int waitSeconds) {
    return poll(waitSeconds, null).map(TaskPoll::tasks);
  }

  /**
   * Like {@link #fetchTasks}; {@code known} (the version of the list this agent already has, or
   * null) lets a controller that supports it hold the request while that list is unchanged.
   */
  public Future<TaskPoll> poll(int waitSeconds, String known) {
    HttpRequest<Buffer> req = client.getAbs(tasksUrl).putHeader("Authorization", token);
    if (identity != null) {
      req.putHeader(TaskProtocol.AGENT_ID_HEADER, identity.agentId())
          .putHeader(TaskProtocol.CAPACITY_HEADER, Integer.toString(identity.capacity()));
      if (identity.storageId() != null) {
        req.putHeader(TaskProtocol.STORAGE_HEADER, identity.storageId());
      }
    }
    long timeout = requestTimeout.toMillis();
    if (waitSeconds > 0) {
      req.addQueryParam(TaskProtocol.WAIT, Integer.toString(waitSeconds));
      if (known != null) {
        req.addQueryParam(TaskProtocol.KNOWN, known);
      }
      timeout += waitSeconds * 1000L + LONG_POLL_GRACE.toMillis();
    }
    req.timeout(timeout);
    return req.send()
        .recover(e -> Future.failedFuture(network("GET " + tasksUrl, e)))
        .compose(resp -> check("GET " + tasksUrl, resp))
        .map(resp -> new TaskPoll(parseTasks(resp), resp.getHeader(TaskProtocol.VERSION_HEADER)));
  }

  /**
   * Posts the update as the form field {@code payload} ({@link UpdateForm}), encoded into one body
   * with a Content-Length: {@code sendForm} sends a form larger than 8 KiB (a finalized job with
   * many outputs) chunked, which WSGI servers read as an empty form.
   */
  @Override
  public Future<Void> post(TaskUpdate update) {
    HttpRequest<Buffer> req = client.postAbs(updateUrl).putHeader("Authorization", token);
    if (identity != null) {
      req.putHeader(TaskProtocol.AGENT_ID_HEADER, identity.agentId());
      Long lease = leaseTokens.get(update.taskId());
      if (lease != null) {
        req.putHeader(TaskProtocol.LEASE_TOKEN_HEADER, Long.toString(lease));
      }
    }
    return req.putHeader("Content-Type", UpdateForm.CONTENT_TYPE)
        .timeout(requestTimeout.toMillis())
        .sendBuffer(UpdateForm.encode(update))
        .recover(e -> Future.failedFuture(network("POST " + updateUrl, e)))
        .compose(resp -> check("POST " + updateUrl, resp))
        .mapEmpty();
  }

  public void close() {
    client.close();
  }

  private TaskApiException network(String what, Throwable e) {
    if (e instanceof TaskApiException t) {
      return t;
    }
    return new TaskApiException(0, what + " failed: " + e, null, e);
  }

  private Future<HttpResponse<Buffer>> check(String what, HttpResponse<Buffer> resp) {
    int status = resp.statusCode();
    if (status >= 200 && status < 300) {
      return Future.succeededFuture(resp);
    }
    String body = resp.bodyAsString();
    if (body != null && body.length() > 300) {
      body = body.substring(0, 300) + "...";
    }
    if (status == 401 || status == 403) {
      String message =
          "The controller rejected this agent's token (HTTP "
              + status
              + " from "
              + what
              + ": "
              + body
              + "). Check that CONTROLLER_TASK_API_TOKEN matches the controller's "
              + backend.toUpperCase(Locale.ROOT).replace('-', '_')
              + "_JOB_SERVER_TOKEN. The agent has stopped polling.";
      fatal.report(message);
      return Future.failedFuture(new TaskApiException(status, message, null, null));
    }
    if (status == 409 && what.startsWith("GET ")) {
      // a poll is refused only when this agent cannot work with the others (its storage)
      String message =
          "The controller refused this agent ("
              + what
              + " answered HTTP 409: "
              + body
              + "). The agent has stopped polling.";
      fatal.report(message);
      return Future.failedFuture(new TaskApiException(409, message, null, null));
    }
    return Future.failedFuture(
        new TaskApiException(
            status, what + " answered HTTP " + status + ": " + body, retryAfter(resp), null));
  }

  private static Duration retryAfter(HttpResponse<Buffer> resp) {
    String v = resp.getHeader("Retry-After");
    if (v == null) {
      return null;
    }
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(v.strip())));
    } catch (NumberFormatException e) {
      return null; // HTTP-date form: ignored, the backoff applies
    }
  }

  private List<AgentTask> parseTasks(HttpResponse<Buffer> resp) {
    JsonObject body;
    try {
      body = resp.bodyAsJsonObject();
    } catch (RuntimeException e) {
      throw new TaskApiException(
          resp.statusCode(), "GET " + tasksUrl + " did not return a JSON object", null, e);
    }
    try {
      List<AgentTask> tasks =
          TaskList.parse(
              body, why -> LOG.warning("Ignoring a task the agent does not understand: " + why));
      for (AgentTask t : tasks) {
        if (t.lease() != null) {
          leaseTokens.put(t.id(), t.lease().token());
        }
      }
      return tasks;
    } catch (IllegalArgumentException e) {
      throw new TaskApiException(
          resp.statusCode(), "GET " + tasksUrl + " returned " + e.getMessage(), null, e);
    }
  }
}

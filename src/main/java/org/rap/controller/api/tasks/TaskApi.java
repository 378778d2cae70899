package org.rap.controller.api.tasks;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.SqlConnection;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.config.BackendSettings;
import org.rap.common.http.RequestBodies;
import org.rap.common.http.Responses;
import org.rap.common.http.Tokens;
import org.rap.common.model.TaskType;
import org.rap.common.model.Timestamps;
import org.rap.controller.ControllerContext;
import org.rap.controller.api.OutageReplies;
import org.rap.controller.db.TaskRepository.AgentTask;
import org.rap.controller.db.TaskRepository.AgentUpdate;
import org.rap.controller.scheduler.Flags;
import org.rap.controller.scheduler.SchedulerEvents;

/**
 * The task API for agents (docs/spec/task-api.md), wire-compatible with the reference: {@code GET
 * /<backend>/tasks/} (plus long polling with {@code ?wait=N}) and {@code POST
 * /<backend>/task/update/} (form field {@code payload}, or an {@code application/json} body).
 * Tokens are per backend; an agent can neither read nor update another backend's tasks.
 *
 * <p>Every list carries its version in the {@value #VERSION_HEADER} header (a digest of the active
 * task ids). A long poll that sends it back ({@code ?wait=N&known=<version>}) is held while the
 * list is still that one, even when it is not empty, and answered as soon as a task is created for
 * the backend: a busy agent gets new tasks at once instead of on its next round.
 */
public final class TaskApi {
  private static final Logger LOG = Logger.getLogger(TaskApi.class.getName());

  /** Response header with the version of the listed tasks (agent: {@code TaskPoll}). */
  public static final String VERSION_HEADER = "RAP-Tasks-Version";

  private final Vertx vertx;
  private final ControllerContext ctx;
  private final LongPollWaiters waiters = new LongPollWaiters();
  private final OutageReplies outages;
  private MessageConsumer<JsonObject> taskCreated;

  public TaskApi(Vertx vertx, ControllerContext ctx) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.outages = new OutageReplies("The task API", ctx.config().limits());
  }

  /** Mounts the routes and listens for created tasks (call on the HTTP verticle's context). */
  public void mount(Router router) {
    taskCreated =
        vertx
            .eventBus()
            .consumer(
                SchedulerEvents.TASK_CREATED,
                msg -> {
                  JsonObject body = msg.body();
                  if (body != null && body.getString("backend") != null) {
                    waiters.signal(body.getString("backend"));
                  }
                });
    router.get("/:backend/tasks/").handler(this::listTasks);
    router.route("/:backend/task/update/").handler(this::requirePost);
    // the body is read here rather than by BodyHandler: Netty's form decoder caps a form field
    // at HttpServerOptions' maxFormAttributeSize (8 KiB), and a finalized job's results are larger
    router.post("/:backend/task/update/").handler(this::update);
  }

  /** Answers every waiting long poll now and stops listening (graceful shutdown). */
  public Future<Void> close() {
    waiters.signalAll();
    return taskCreated == null ? Future.succeededFuture() : taskCreated.unregister();
  }

  /** Long polls currently waiting (tests, metrics). */
  public int waiting() {
    return waiters.size();
  }

  // ---------------------------------------------------------------------------------------------

  /** 404 for an unknown backend (before auth), then 401s; returns the backend when allowed. */
  private Optional<String> authorise(RoutingContext rc) {
    String backend = rc.pathParam("backend");
    BackendSettings settings = ctx.config().backends().get(backend);
    if (settings == null) {
      Responses.error(rc, 404, "Not found", "Backend '" + backend + "' not found");
      return Optional.empty();
    }
    String token = rc.request().getHeader("Authorization");
    if (token == null || token.isEmpty()) {
      Responses.error(rc, 401, "Unauthorized", "No token provided");
      return Optional.empty();
    }
    if (!Tokens.same(token, settings.jobServerToken())) {
      Responses.error(rc, 401, "Unauthorized", "Invalid token for backend '" + backend + "'");
      return Optional.empty();
    }
    return Optional.of(backend);
  }

  private void listTasks(RoutingContext rc) {
    Optional<String> allowed = authorise(rc);
    if (allowed.isEmpty()) {
      return;
    }
    String backend = allowed.get();
    long waitMillis;
    try {
      waitMillis = waitMillis(rc.request().getParam("wait"));
    } catch (IllegalArgumentException e) {
      Responses.error(rc, 400, "Bad request", e.getMessage());
      return;
    }
    String known = rc.request().getParam("known");
    long nowUs = Timestamps.nowMicros();
    // Register before reading, so a task created while we read still wakes us.
    Promise<Void> woken = waitMillis > 0 ? waiters.register(backend) : null;
    ctx.flags()
        .stamp(ctx.db().pool(), backend, Flags.LAST_SEEN_AT, Timestamps.isoOffset(nowUs), nowUs)
        .compose(v -> ctx.tasks().findActiveForAgent(ctx.db().pool(), backend))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                if (woken != null) {
                  waiters.remove(backend, woken);
                }
                failed(rc, ar.cause(), "Listing tasks of " + backend, "Error listing tasks");
                return;
              }
              boolean unchanged = ar.result().isEmpty() || version(ar.result()).equals(known);
              if (woken == null || !unchanged || woken.future().isComplete()) {
                if (woken != null) {
                  waiters.remove(backend, woken);
                }
                if (woken != null && unchanged) {
                  answerAfterWake(rc, backend);
                } else {
                  answer(rc, ar.result());
                }
                return;
              }
              long timer =
                  vertx.setTimer(
                      waitMillis,
                      id -> {
                        waiters.remove(backend, woken);
                        woken.tryComplete();
                      });
              rc.response()
                  .closeHandler(
                      v -> {
                        waiters.remove(backend, woken);
                        vertx.cancelTimer(timer);
                      });
              woken
                  .future()
                  .onComplete(
                      x -> {
                        vertx.cancelTimer(timer);
                        answerAfterWake(rc, backend);
                      });
            });
  }

  private void answerAfterWake(RoutingContext rc, String backend) {
    if (rc.response().ended() || rc.response().closed()) {
      return;
    }
    ctx.tasks()
        .findActiveForAgent(ctx.db().pool(), backend)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                failed(rc, ar.cause(), "Listing tasks of " + backend, "Error listing tasks");
              } else {
                answer(rc, ar.result());
              }
            });
  }

  private long waitMillis(String raw) {
    if (raw == null || raw.isBlank()) {
      return 0;
    }
    double seconds;
    try {
      seconds = Double.parseDouble(raw.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("wait must be a number of seconds, got '" + raw + "'");
    }
    if (Double.isNaN(seconds) || seconds <= 0) {
      return 0;
    }
    double capped = Math.min(seconds, ctx.config().longPollMaxSeconds());
    return Math.round(capped * 1000);
  }

  private static void answer(RoutingContext rc, List<AgentTask> tasks) {
    if (rc.response().ended() || rc.response().closed()) {
      return;
    }
    int size = 16;
    for (AgentTask t : tasks) {
      size += t.json().length() + 1;
    }
    StringBuilder body = new StringBuilder(size).append("{\"tasks\":[");
    for (int i = 0; i < tasks.size(); i++) {
      body.append(i == 0 ? "" : ",").append(tasks.get(i).json());
    }
    body.append("]}");
    rc.response()
        .setStatusCode(200)
        .putHeader(VERSION_HEADER, version(tasks))
        .putHeader("Content-Type", "application/json")
        .end(body.toString());
  }

  /** A digest of the listed task ids (order-independent). */
  static String version(List<AgentTask> tasks) {
    List<String> ids = new ArrayList<>();
    tasks.forEach(t -> ids.add(t.id()));
    Collections.sort(ids);
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] digest = sha.digest(String.join("\n", ids).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------------------------------------

  private void requirePost(RoutingContext rc) {
    if (rc.request().method() != HttpMethod.POST) {
      rc.response().putHeader("Allow", "POST");
      Responses.error(rc, 405, "Method not allowed", "Use POST for task updates");
      return;
    }
    rc.next();
  }

  /** A malformed payload (400). */
  static final class BadPayload extends Exception {
    BadPayload(String message) {
      super(message);
    }
  }

  /** The task exists but belongs to another backend (404). */
  private static final class OtherBackend extends Exception {
    OtherBackend(String message) {
      super(message);
    }
  }

  private void update(RoutingContext rc) {
    Optional<String> allowed = authorise(rc);
    if (allowed.isEmpty()) {
      return;
    }
    String backend = allowed.get();
    // a body above the limit is answered with 413 there (the 400 below then sends nothing)
    RequestBodies.read(rc, ctx.config().limits().taskApiMaxBodyBytes())
        .onComplete(
            ar -> {
              if (ar.failed()) {
                Responses.error(
                    rc,
                    400,
                    "Invalid payload",
                    "Could not read the request body: " + ar.cause().getMessage());
                return;
              }
              AgentUpdate u;
              try {
                u = parse(rc.request().getHeader("Content-Type"), ar.result());
              } catch (BadPayload e) {
                Responses.error(rc, 400, "Invalid payload", e.getMessage());
                return;
              }
              store(rc, backend, u);
            });
  }

  private void store(RoutingContext rc, String backend, AgentUpdate u) {
    boolean[] modeChanged = new boolean[1];
    ctx.db()
        .inTransaction(
            conn ->
                ctx.tasks()
                    .findById(conn, u.taskId())
                    .compose(
                        found -> {
                          if (found.isEmpty()) {
                            return Future.failedFuture(
                                new IllegalArgumentException("Unknown task " + u.taskId()));
                          }
                          if (!found.get().backend().equals(backend)) {
                            return Future.failedFuture(
                                new OtherBackend(
                                    "Task '"
                                        + u.taskId()
                                        + "' not found in backend '"
                                        + backend
                                        + "'"));
                          }
                          boolean wasOpen = !found.get().isAgentComplete();
                          return ctx.tasks()
                              .applyAgentUpdate(
                                  conn, backend, u, found.get().type(), Timestamps.nowSeconds())
                              .compose(
                                  task -> {
                                    // a repeated report on a completed DBSTATUS changes nothing
                                    if (task.isEmpty()
                                        || task.get().type() != TaskType.DBSTATUS
                                        || !wasOpen) {
                                      return Future.<Void>succeededFuture();
                                    }
                                    return applyDbStatus(conn, backend, u.results(), modeChanged);
                                  });
                        }))
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                vertx
                    .eventBus()
                    .publish(
                        SchedulerEvents.TASK_UPDATED,
                        new JsonObject().put("backend", backend).put("task_id", u.taskId()));
                if (modeChanged[0]) {
                  vertx
                      .eventBus()
                      .publish(
                          SchedulerEvents.FLAG_CHANGED,
                          new JsonObject().put("backend", backend).put("flag", Flags.MODE));
                }
                Responses.json(rc, 200, new JsonObject().put("response", "Update successful"));
              } else if (ar.cause() instanceof OtherBackend ob) {
                LOG.warning("Rejected an update from backend " + backend + ": " + ob.getMessage());
                Responses.error(rc, 404, "Not found", ob.getMessage());
              } else {
                failed(rc, ar.cause(), "Updating task " + u.taskId(), "Error updating task");
              }
            });
  }

  /** 503 with Retry-After while the database is not answering (agents retry), else 500. */
  private void failed(RoutingContext rc, Throwable cause, String what, String error) {
    if (outages.answered(rc, cause)) {
      return;
    }
    LOG.log(Level.SEVERE, what + " failed", cause);
    Responses.json(rc, 500, new JsonObject().put("error", error));
  }

  /** DBSTATUS results set flag {@code mode} unless manual maintenance pins it. */
  private Future<Void> applyDbStatus(
      SqlConnection conn, String backend, JsonObject envelope, boolean[] changed) {
    return ctx.flags()
        .get(conn, backend, Flags.MANUAL_DB_MAINTENANCE)
        .compose(
            manual -> {
              if (manual.isPresent()
                  && manual.get().value() != null
                  && !manual.get().value().isEmpty()) {
                return Future.succeededFuture();
              }
              Object inner = envelope == null ? null : envelope.getValue("results");
              if (!(inner instanceof JsonObject results) || results.isEmpty()) {
                return Future.succeededFuture();
              }
              Object status = results.getValue("status");
              String mode = status == null ? null : String.valueOf(status);
              return ctx.flags()
                  .get(conn, backend, Flags.MODE)
                  .compose(
                      current -> {
                        String before = current.map(f -> f.value()).orElse(null);
                        changed[0] = !Objects.equals(before, mode);
                        return ctx.flags().set(conn, backend, Flags.MODE, mode).mapEmpty();
                      });
            });
  }

  /** The update from the form field {@code payload} or a JSON body. */
  static AgentUpdate parse(String contentType, Buffer raw) throws BadPayload {
    JsonObject payload;
    if (contentType != null
        && contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      if (raw == null || raw.length() == 0) {
        throw new BadPayload("The request body is empty");
      }
      Object body;
      try {
        body = Json.decodeValue(raw);
      } catch (DecodeException e) {
        throw new BadPayload("The request body is not valid JSON: " + e.getMessage());
      }
      if (!(body instanceof JsonObject object)) {
        throw new BadPayload("The request body is not a JSON object");
      }
      payload =
          object.getValue("payload") instanceof String s && !object.containsKey("task_id")
              ? decode(s)
              : object;
    } else {
      String text = formField(raw == null ? "" : raw.toString(StandardCharsets.UTF_8), "payload");
      if (text == null) {
        throw new BadPayload("Missing form field 'payload'");
      }
      payload = decode(text);
    }
    return toUpdate(payload);
  }

  /** One field of an {@code application/x-www-form-urlencoded} body, or null. */
  static String formField(String body, String name) throws BadPayload {
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      try {
        if (URLDecoder.decode(key, StandardCharsets.UTF_8).equals(name)) {
          return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        }
      } catch (IllegalArgumentException e) {
        throw new BadPayload("The form body is not valid URL encoding: " + e.getMessage());
      }
    }
    return null;
  }

  private static JsonObject decode(String text) throws BadPayload {
    try {
      Object v = Json.decodeValue(text);
      if (v instanceof JsonObject o) {
        return o;
      }
    } catch (DecodeException e) {
      throw new BadPayload("'payload' is not valid JSON: " + e.getMessage());
    }
    throw new BadPayload("'payload' must be a JSON object");
  }

  static AgentUpdate toUpdate(JsonObject p) throws BadPayload {
    if (!(p.getValue("task_id") instanceof String taskId) || taskId.isEmpty()) {
      throw new BadPayload("'task_id' is required and must be a non-empty string");
    }
    if (!(p.getValue("stage") instanceof String stage)) {
      throw new BadPayload("'stage' is required and must be a string");
    }
    if (!(p.getValue("complete") instanceof Boolean complete)) {
      throw new BadPayload("'complete' is required and must be true or false");
    }
    Object results = p.getValue("results", new JsonObject());
    if (results != null && !(results instanceof JsonObject)) {
      throw new BadPayload("'results' must be an object or null");
    }
    Object ts = p.getValue("timestamp_ns");
    Long timestamp;
    if (ts == null || (ts instanceof String s && s.isEmpty()) || Boolean.FALSE.equals(ts)) {
      timestamp = null;
    } else if (ts instanceof Number n) {
      timestamp = n.longValue() == 0 ? null : n.longValue();
    } else if (ts instanceof String s) {
      try {
        long v = Long.parseLong(s.strip());
        timestamp = v == 0 ? null : v;
      } catch (NumberFormatException e) {
        throw new BadPayload("'timestamp_ns' must be an integer number of nanoseconds or null");
      }
    } else {
      throw new BadPayload("'timestamp_ns' must be an integer number of nanoseconds or null");
    }
    return new AgentUpdate(taskId, stage, (JsonObject) results, complete, timestamp);
  }
}

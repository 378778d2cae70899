package org.rap.it;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A controller that speaks only the reference task API (docs/spec/task-api.md sections 1 to 4) on
 * loopback: {@code GET /<backend>/tasks/} lists the active tasks (the {@code wait} parameter is
 * ignored, as by the reference), {@code POST /<backend>/task/update/} takes the form field {@code
 * payload}, checks the raw-token {@code Authorization} header, records every update in arrival
 * order and deactivates a task when an update says {@code complete}.
 */
public final class ScriptedController implements AutoCloseable {
  final String backend;
  final String token;
  private final Vertx vertx = Vertx.vertx();
  private final Map<String, JsonObject> tasks = new LinkedHashMap<>();
  private final Map<String, Boolean> active = new LinkedHashMap<>();

  /** Every update body (the parsed {@code payload}) in arrival order. */
  public final List<JsonObject> updates = new CopyOnWriteArrayList<>();

  /** Requests the API refused (wrong path, token or body), for diagnostics. */
  final List<String> refused = new CopyOnWriteArrayList<>();

  /**
   * Called with each accepted update before the agent gets its answer, under the controller's lock
   * (so a test can change the task list exactly between two agent steps).
   */
  volatile Consumer<JsonObject> onUpdate = u -> {};

  private HttpServer server;

  public ScriptedController(String backend, String token) {
    this.backend = backend;
    this.token = token;
  }

  public ScriptedController start() {
    Router r = Router.router(vertx);
    r.route().handler(BodyHandler.create());
    r.route("/")
        .handler(
            ctx -> json(ctx, 200, new JsonObject().put("method", ctx.request().method().name())));
    r.get("/:backend/tasks/").handler(this::tasks);
    r.post("/:backend/task/update/").handler(this::update);
    // a finalized job's results (container_metadata) exceed Netty's 8 KiB default for a form field
    server =
        vertx
            .createHttpServer(new HttpServerOptions().setMaxFormAttributeSize(-1))
            .requestHandler(r)
            .listen(0, "127.0.0.1")
            .await();
    return this;
  }

  /** {@code CONTROLLER_TASK_API_ENDPOINT} for the agent. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.actualPort() + "/";
  }

  public synchronized void add(JsonObject task) {
    tasks.put(task.getString("id"), task);
    active.put(task.getString("id"), true);
  }

  /**
   * What the controller does when a job is cancelled: the RUNJOB task goes, a CANCELJOB task comes.
   */
  synchronized void cancel(String runTaskId) {
    JsonObject run = tasks.get(runTaskId);
    active.put(runTaskId, false);
    JsonObject def = run.getJsonObject("definition").copy().putNull("image_sha");
    add(task(runTaskId + "-cancel", "canceljob", def));
  }

  public synchronized boolean isActive(String taskId) {
    return Boolean.TRUE.equals(active.get(taskId));
  }

  /** A task as the controller serves it (docs/spec/task-api.md section 3). */
  public static JsonObject task(String id, String type, JsonObject definition) {
    return new JsonObject()
        .put("id", id)
        .put("backend", definition.getString("backend", "test"))
        .put("type", type)
        .put("definition", definition)
        .put(
            "attributes",
            new JsonObject().put("user", "alice").put("project", "p").put("orgs", "opensafely"))
        .put("created_at", System.currentTimeMillis() / 1000);
  }

  public List<JsonObject> updatesFor(String taskId) {
    return updates.stream().filter(u -> taskId.equals(u.getString("task_id"))).toList();
  }

  /** {@code stage/complete} of every update of a task, in order. */
  public List<String> stagesFor(String taskId) {
    return updatesFor(taskId).stream()
        .map(u -> u.getString("stage") + "/" + u.getBoolean("complete"))
        .toList();
  }

  boolean hasUpdate(String taskId, Predicate<JsonObject> p) {
    return updatesFor(taskId).stream().anyMatch(p);
  }

  public static void await(
      String what, Duration max, BooleanSupplier done, Supplier<String> diagnostics)
      throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < deadline) {
      if (done.getAsBoolean()) {
        return;
      }
      Thread.sleep(50);
    }
    if (!done.getAsBoolean()) {
      throw new AssertionError("timed out waiting for " + what + "\n" + diagnostics.get());
    }
  }

  private boolean authorised(RoutingContext ctx) {
    String b = ctx.pathParam("backend");
    if (!b.equals(backend)) {
      refused.add(ctx.request().path() + ": unknown backend");
      json(
          ctx,
          404,
          new JsonObject()
              .put("error", "Not found")
              .put("details", "Backend '" + b + "' not found"));
      return false;
    }
    String auth = ctx.request().getHeader("Authorization");
    if (auth == null || auth.isEmpty()) {
      refused.add(ctx.request().path() + ": no token");
      json(
          ctx,
          401,
          new JsonObject().put("error", "Unauthorized").put("details", "No token provided"));
      return false;
    }
    if (!auth.equals(token)) {
      refused.add(ctx.request().path() + ": invalid token");
      json(
          ctx,
          401,
          new JsonObject()
              .put("error", "Unauthorized")
              .put("details", "Invalid token for backend '" + b + "'"));
      return false;
    }
    return true;
  }

  private void tasks(RoutingContext ctx) {
    if (!authorised(ctx)) {
      return;
    }
    JsonArray out = new JsonArray();
    synchronized (this) {
      List<JsonObject> db = new ArrayList<>();
      List<JsonObject> rest = new ArrayList<>();
      tasks.forEach(
          (id, t) -> {
            if (isActive(id)) {
              (t.getString("type").equals("dbstatus") ? db : rest).add(t);
            }
          });
      db.forEach(out::add);
      rest.forEach(out::add);
    }
    json(ctx, 200, new JsonObject().put("tasks", out));
  }

  private void update(RoutingContext ctx) {
    if (!authorised(ctx)) {
      return;
    }
    String contentType = String.valueOf(ctx.request().getHeader("Content-Type"));
    String payload = ctx.request().getFormAttribute("payload");
    if (!contentType.startsWith("application/x-www-form-urlencoded") || payload == null) {
      refused.add("update without a form field payload (" + contentType + ")");
      json(
          ctx, 400, new JsonObject().put("error", "Bad request").put("details", "missing payload"));
      return;
    }
    JsonObject u;
    try {
      u = new JsonObject(payload);
    } catch (RuntimeException e) {
      refused.add("update payload is not JSON: " + payload);
      json(ctx, 400, new JsonObject().put("error", "Bad request").put("details", "invalid JSON"));
      return;
    }
    for (String k : List.of("task_id", "stage", "complete", "timestamp_ns")) {
      if (!u.containsKey(k)) {
        refused.add("update without " + k + ": " + payload);
        json(ctx, 400, new JsonObject().put("error", "Bad request").put("details", "missing " + k));
        return;
      }
    }
    synchronized (this) {
      if (!tasks.containsKey(u.getString("task_id"))) {
        refused.add("update of unknown task: " + payload);
        json(ctx, 500, new JsonObject().put("error", "Error updating task"));
        return;
      }
      updates.add(u);
      if (Boolean.TRUE.equals(u.getBoolean("complete"))) {
        active.put(u.getString("task_id"), false);
      }
      onUpdate.accept(u);
    }
    json(ctx, 200, new JsonObject().put("response", "Update successful"));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encode());
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}

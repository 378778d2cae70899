package org.rap.agent.poller;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A controller speaking the task API (docs/spec/task-api.md sections 1 to 4) on loopback. {@code
 * longPoll} true: {@code ?wait=N} holds an empty answer until a task becomes active or N seconds
 * pass; false: {@code wait} is ignored as by the reference. Failures can be injected for the next
 * GETs or POSTs (an HTTP status, or -1 to close the connection without answering).
 */
final class FakeController {
  final String backend;
  final String token;
  final boolean longPoll;
  final Map<String, JsonObject> tasks = new LinkedHashMap<>();
  final Map<String, Boolean> active = new LinkedHashMap<>();
  final List<JsonObject> updates = new CopyOnWriteArrayList<>();
  final List<String> waits = new CopyOnWriteArrayList<>();
  final Deque<Integer> failGets = new ConcurrentLinkedDeque<>();
  final Deque<Integer> failPosts = new ConcurrentLinkedDeque<>();
  final AtomicInteger gets = new AtomicInteger();
  final AtomicInteger heldPolls = new AtomicInteger();
  private final Vertx vertx;
  private HttpServer server;

  FakeController(Vertx vertx, String backend, String token, boolean longPoll) {
    this.vertx = vertx;
    this.backend = backend;
    this.token = token;
    this.longPoll = longPoll;
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.actualPort() + "/";
  }

  FakeController start() {
    Router r = Router.router(vertx);
    r.route().handler(BodyHandler.create());
    r.get("/:backend/tasks/").handler(this::tasks);
    r.post("/:backend/task/update/").handler(this::update);
    server = vertx.createHttpServer().requestHandler(r).listen(0, "127.0.0.1").await();
    return this;
  }

  void stop() {
    server.close().await();
  }

  synchronized void add(JsonObject task) {
    tasks.put(task.getString("id"), task);
    active.put(task.getString("id"), true);
  }

  synchronized boolean isActive(String id) {
    return Boolean.TRUE.equals(active.get(id));
  }

  synchronized JsonArray activeTasks() {
    JsonArray out = new JsonArray();
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
    return out;
  }

  List<JsonObject> updatesFor(String taskId) {
    return updates.stream().filter(u -> u.getString("task_id").equals(taskId)).toList();
  }

  List<String> stagesFor(String taskId) {
    return updatesFor(taskId).stream()
        .map(u -> u.getString("stage") + "/" + u.getBoolean("complete"))
        .toList();
  }

  private boolean authorised(RoutingContext ctx) {
    if (!ctx.pathParam("backend").equals(backend)) {
      json(
          ctx,
          404,
          new JsonObject()
              .put("error", "Not found")
              .put("details", "Backend '" + ctx.pathParam("backend") + "' not found"));
      return false;
    }
    String auth = ctx.request().getHeader("Authorization");
    if (auth == null || auth.isEmpty()) {
      json(
          ctx,
          401,
          new JsonObject().put("error", "Unauthorized").put("details", "No token provided"));
      return false;
    }
    if (!auth.equals(token)) {
      json(
          ctx,
          401,
          new JsonObject()
              .put("error", "Unauthorized")
              .put("details", "Invalid token for backend '" + backend + "'"));
      return false;
    }
    return true;
  }

  private boolean injected(RoutingContext ctx, Deque<Integer> failures) {
    Integer f = failures.poll();
    if (f == null) {
      return false;
    }
    if (f < 0) {
      ctx.request().connection().close();
    } else {
      ctx.response().setStatusCode(f);
      if (f == 429) {
        ctx.response().putHeader("Retry-After", "0");
      }
      ctx.response().end("{\"error\":\"injected\"}");
    }
    return true;
  }

  private void tasks(RoutingContext ctx) {
    gets.incrementAndGet();
    if (injected(ctx, failGets) || !authorised(ctx)) {
      return;
    }
    String wait = ctx.request().getParam("wait");
    waits.add(wait == null ? "" : wait);
    int waitS = 0;
    try {
      waitS = wait == null ? 0 : Integer.parseInt(wait);
    } catch (NumberFormatException e) {
      waitS = 0;
    }
    if (!longPoll || waitS <= 0 || !activeTasks().isEmpty()) {
      json(ctx, 200, new JsonObject().put("tasks", activeTasks()));
      return;
    }
    heldPolls.incrementAndGet();
    long deadline = System.currentTimeMillis() + waitS * 1000L;
    hold(ctx, deadline);
  }

  private void hold(RoutingContext ctx, long deadline) {
    vertx.setTimer(
        20,
        id -> {
          if (ctx.response().closed()) {
            return;
          }
          if (!activeTasks().isEmpty() || System.currentTimeMillis() >= deadline) {
            json(ctx, 200, new JsonObject().put("tasks", activeTasks()));
          } else {
            hold(ctx, deadline);
          }
        });
  }

  private void update(RoutingContext ctx) {
    if (injected(ctx, failPosts) || !authorised(ctx)) {
      return;
    }
    HttpServerRequest req = ctx.request();
    String payload = req.getFormAttribute("payload");
    if (payload == null) {
      json(
          ctx, 400, new JsonObject().put("error", "Bad request").put("details", "missing payload"));
      return;
    }
    JsonObject u = new JsonObject(payload);
    for (String k : List.of("task_id", "stage", "complete", "timestamp_ns")) {
      if (!u.containsKey(k)) {
        json(ctx, 400, new JsonObject().put("error", "Bad request").put("details", "missing " + k));
        return;
      }
    }
    synchronized (this) {
      if (!tasks.containsKey(u.getString("task_id"))) {
        json(ctx, 500, new JsonObject().put("error", "Error updating task"));
        return;
      }
      updates.add(u);
      if (u.getBoolean("complete")) {
        active.put(u.getString("task_id"), false);
      }
    }
    json(ctx, 200, new JsonObject().put("response", "Update successful"));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encode());
  }
}

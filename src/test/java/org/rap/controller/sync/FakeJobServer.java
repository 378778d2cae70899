package org.rap.controller.sync;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * job-server's API v2 as docs/spec/job-server-sync.md documents it, on loopback: per-backend
 * tokens, {@code job-requests/} with limit/offset pagination (newest first, absolute {@code next}
 * links), {@code jobs/} that validates the list and answers {@code {"status": "success"}}, 403
 * texts for missing/empty/invalid tokens; plus injected 500s.
 */
public final class FakeJobServer implements AutoCloseable {
  private final Vertx vertx;
  private final HttpServer server;
  final Map<String, String> backendByToken;
  final Map<String, List<JsonObject>> requestsByBackend = new ConcurrentHashMap<>();

  /** Every POST jobs/ body, with the backend of its token. */
  final List<Map.Entry<String, JsonArray>> posted = new CopyOnWriteArrayList<>();

  final AtomicInteger failNext = new AtomicInteger();
  final AtomicInteger jobRequestCalls = new AtomicInteger();
  final Map<String, AtomicInteger> callsByBackend = new ConcurrentHashMap<>();
  final AtomicInteger pageSize = new AtomicInteger(100);
  final List<String> errors = new CopyOnWriteArrayList<>();

  public FakeJobServer(Vertx vertx, int port, Map<String, String> backendByToken) {
    this.vertx = vertx;
    this.backendByToken = backendByToken;
    Router r = Router.router(vertx);
    r.route().handler(BodyHandler.create());
    r.route("/api/v2/*").handler(this::auth);
    r.get("/api/v2/job-requests/").handler(this::jobRequests);
    r.post("/api/v2/jobs/").handler(this::jobs);
    server = vertx.createHttpServer().requestHandler(r).listen(port, "127.0.0.1").await();
  }

  public int port() {
    return server.actualPort();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port() + "/api/v2/";
  }

  void add(String backend, JsonObject jobRequest) {
    requestsByBackend
        .computeIfAbsent(backend, b -> new CopyOnWriteArrayList<>())
        .add(0, jobRequest);
  }

  private void auth(RoutingContext rc) {
    if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      rc.response().setStatusCode(500).end("<h1>Server Error (500)</h1>");
      return;
    }
    String h = rc.request().getHeader("Authorization");
    String detail = null;
    if (h == null) {
      detail = "Authorization header is missing";
    } else if (h.isEmpty()) {
      detail = "Authorization header is empty";
    } else if (!backendByToken.containsKey(h)) {
      detail = "Invalid token";
    }
    if (detail != null) {
      rc.response()
          .setStatusCode(403)
          .putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("detail", detail).encode());
      return;
    }
    rc.put("backend", backendByToken.get(h));
    rc.next();
  }

  private void jobRequests(RoutingContext rc) {
    jobRequestCalls.incrementAndGet();
    String backend = rc.get("backend");
    callsByBackend.computeIfAbsent(backend, b -> new AtomicInteger()).incrementAndGet();
    List<JsonObject> all = new ArrayList<>(requestsByBackend.getOrDefault(backend, List.of()));
    int limit =
        Integer.parseInt(
            rc.queryParams().get("limit") == null
                ? String.valueOf(pageSize.get())
                : rc.queryParams().get("limit"));
    int offset =
        Integer.parseInt(
            rc.queryParams().get("offset") == null ? "0" : rc.queryParams().get("offset"));
    List<JsonObject> page =
        all.subList(Math.min(offset, all.size()), Math.min(offset + limit, all.size()));
    String base =
        "http://127.0.0.1:" + rc.request().localAddress().port() + "/api/v2/job-requests/";
    Object next =
        offset + limit < all.size()
            ? base + "?limit=" + limit + "&offset=" + (offset + limit)
            : null;
    Object prev =
        offset > 0 ? base + "?limit=" + limit + "&offset=" + Math.max(0, offset - limit) : null;
    rc.response()
        .putHeader("Content-Type", "application/json")
        .end(
            new JsonObject()
                .put("count", all.size())
                .put("next", next)
                .put("previous", prev)
                .put("results", new JsonArray(new ArrayList<>(page)))
                .encode());
  }

  private void jobs(RoutingContext rc) {
    JsonArray body;
    try {
      body = rc.body().asJsonArray();
    } catch (RuntimeException e) {
      rc.response()
          .setStatusCode(400)
          .end(new JsonObject().put("detail", "Expected a list of items").encode());
      return;
    }
    JsonArray itemErrors = new JsonArray();
    boolean bad = false;
    for (Object o : body) {
      JsonObject job = (JsonObject) o;
      JsonObject e = new JsonObject();
      for (String required : List.of("job_request_id", "identifier", "status", "created_at")) {
        if (!(job.getValue(required) instanceof String s) || s.isBlank()) {
          e.put(required, new JsonArray().add("This field is required."));
          bad = true;
        }
      }
      if (job.containsKey("rap_id")) {
        errors.add("job sent with rap_id: " + job.encode());
      }
      itemErrors.add(e);
    }
    if (bad) {
      rc.response()
          .setStatusCode(400)
          .putHeader("Content-Type", "application/json")
          .end(itemErrors.encode());
      return;
    }
    posted.add(Map.entry(rc.get("backend"), body));
    rc.response()
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("status", "success").encode());
  }

  /** The latest posted jobs of a backend, by identifier. */
  Map<String, JsonObject> latestJobs(String backend) {
    Map<String, JsonObject> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonArray> e : posted) {
      if (e.getKey().equals(backend)) {
        e.getValue()
            .forEach(o -> out.put(((JsonObject) o).getString("identifier"), (JsonObject) o));
      }
    }
    return out;
  }

  @Override
  public void close() {
    server.close().await();
  }

  static JsonObject jobRequest(String id, String backend, String... actions) {
    return new JsonObject()
        .put("identifier", id)
        .put("backend", backend)
        .put("sha", "07d5f283bb66f52a49933b016cf8dc144cfc7180")
        .put(
            "workspace",
            new JsonObject()
                .put("name", "my-study")
                .put("repo", "https://github.com/opensafely/my-study")
                .put("branch", "main")
                .put("created_by", "alice")
                .put("created_at", "2026-01-01T00:00:00.000000Z"))
        .put("requested_actions", new JsonArray(List.of((Object[]) actions)))
        .put("cancelled_actions", new JsonArray())
        .put("force_run_dependencies", false)
        .put("codelists_ok", true)
        .put("database_name", "default")
        .put("created_by", "alice")
        .put("created_at", "2026-01-31T09:27:26.123456Z")
        .put("project", "my-project")
        .put("orgs", new JsonArray().add("opensafely"));
  }
}

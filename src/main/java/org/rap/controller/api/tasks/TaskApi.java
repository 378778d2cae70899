package org.rap.controller.api.tasks;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.config.BackendSettings;
import org.rap.common.http.RequestBodies;
import org.rap.common.http.Responses;
import org.rap.common.http.Tokens;
import org.rap.common.model.Timestamps;
import org.rap.common.tasks.TaskList;
import org.rap.common.tasks.TaskProtocol;
import org.rap.common.tasks.TaskUpdate;
import org.rap.common.tasks.UpdateForm;
import org.rap.controller.ControllerContext;
import org.rap.controller.ControllerEvents;
import org.rap.controller.api.OutageReplies;
import org.rap.controller.fleet.TaskLeases;
import org.rap.controller.scheduler.Flags;

/**
 * The task API for agents (docs/spec/task-api.md; {@code openapi/task-api.yaml}), wire-compatible
 * with the reference: {@code GET /<backend>/tasks/} (plus long polling with {@code ?wait=N}) and
 * {@code POST /<backend>/task/update/} (form field {@code payload}, or an {@code application/json}
 * body). The routes are those of the contract ({@link TaskContract}), and requests are checked
 * against it. Tokens are per backend; an agent can neither read nor update another backend's tasks.
 *
 * <p>Order of checks: method (405), backend (404), token (401), then the request against the
 * contract (400).
 *
 * <p>Every list carries its version in the {@value TaskProtocol#VERSION_HEADER} header. A long poll
 * that sends it back ({@code ?wait=N&known=<version>}) is held while the list is still that one,
 * even when it is not empty, and answered as soon as a task is created for the backend: a busy
 * agent gets new tasks at once instead of on its next round.
 */
public final class TaskApi {
  private static final Logger LOG = Logger.getLogger(TaskApi.class.getName());

  private final Vertx vertx;
  private final ControllerContext ctx;
  private final TaskReports reports;
  private final TaskLeases leases;
  private final LongPollWaiters waiters = new LongPollWaiters();
  private TaskContract contract;
  private final OutageReplies outages;
  private MessageConsumer<JsonObject> taskCreated;

  public TaskApi(Vertx vertx, ControllerContext ctx) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.leases = new TaskLeases(ctx.db(), ctx.tasks(), ctx.config().taskLease());
    this.reports = new TaskReports(vertx, ctx, leases);
    this.outages = new OutageReplies("The task API", ctx.config().limits());
  }

  /**
   * Loads the contract, mounts the routes and listens for created tasks (call on the HTTP
   * verticle's context); completes once mounted.
   */
  public Future<Void> mount(Router router) {
    return TaskContract.load(vertx).map(c -> mountOn(router, c));
  }

  private Void mountOn(Router router, TaskContract loaded) {
    contract = loaded;
    taskCreated =
        vertx
            .eventBus()
            .consumer(
                ControllerEvents.TASK_CREATED,
                msg -> {
                  String backend = ControllerEvents.backendOf(msg.body());
                  if (backend != null) {
                    // a RUNJOB or scheduled task needs one agent; a cancellation its holder
                    String task = msg.body().getString("task_id");
                    waiters.signal(backend, task == null || task.endsWith("-cancel"));
                  }
                });
    // any other method than POST on the update path: 405 with our body and Allow
    router
        .route(contract.route("updateTask").path())
        .handler(
            rc -> {
              if (rc.request().method() == HttpMethod.POST) {
                rc.next();
                return;
              }
              rc.response().putHeader("Allow", "POST");
              Responses.error(rc, 405, "Method not allowed", "Use POST for task updates");
            });
    bind(router, contract.route("listTasks"), this::listTasks);
    // the body is read here rather than by BodyHandler: Netty's form decoder caps a form field
    // at HttpServerOptions' maxFormAttributeSize (8 KiB), and a finalized job's results are larger
    bind(router, contract.route("updateTask"), this::update);
    return null;
  }

  /**
   * An operation's route, straight on the server's router: a sub-router of RouterBuilder's would
   * have to be mounted at the root, and would then prefix the route label of every request the
   * server's HTTP metrics count. The backend and token are checked first; the request against the
   * contract in the handler ({@link TaskContract}).
   */
  private void bind(Router router, TaskContract.Route route, BackendHandler handler) {
    router
        .route(route.method(), route.path())
        .handler(
            rc -> {
              Optional<String> backend = authorise(rc);
              if (backend.isPresent()) {
                handler.handle(rc, backend.get());
              }
            });
  }

  @FunctionalInterface
  private interface BackendHandler {
    void handle(RoutingContext rc, String backend);
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

  private void listTasks(RoutingContext rc, String backend) {
    String invalid = contract.checkQuery("listTasks", rc.queryParams());
    if (invalid != null) {
      Responses.error(rc, 400, "Bad request", invalid);
      return;
    }
    TaskLeases.Agent agent;
    try {
      agent = AgentHeaders.poller(rc.request());
    } catch (IllegalArgumentException e) {
      Responses.error(rc, 400, "Bad request", e.getMessage());
      return;
    }
    long asked = waitMillis(rc.queryParams().get(TaskProtocol.WAIT));
    // a held poll renews leases only when it is answered: hold it well within the lease, and a
    // little less each time (up to a fifth), so that a fleet that started together does not poll
    // again all at the same moment
    long waitMillis =
        agent == null ? asked : jittered(Math.min(asked, leases.lease().toMillis() / 3));
    String known = rc.queryParams().get(TaskProtocol.KNOWN);
    long nowUs = Timestamps.nowMicros();
    // Register before reading, so a task created while we read still wakes us.
    Promise<Void> woken =
        waitMillis <= 0
            ? null
            : agent == null
                ? waiters.register(backend)
                : waiters.registerNamed(backend, agent.id());
    ctx.flags()
        .stamp(ctx.db().pool(), backend, Flags.LAST_SEEN_AT, Timestamps.isoOffset(nowUs), nowUs)
        .compose(v -> listFor(backend, agent))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                if (woken != null) {
                  waiters.remove(backend, woken);
                }
                if (ar.cause() instanceof TaskLeases.StorageMismatch m) {
                  LOG.severe("Refused a poll of backend " + backend + ": " + m.getMessage());
                  Responses.error(rc, 409, "Storage mismatch", m.getMessage());
                  return;
                }
                failed(rc, ar.cause(), "Listing tasks of " + backend, "Error listing tasks");
                return;
              }
              if (woken != null && agent != null) {
                waiters.setFree(backend, woken, TaskLeases.freeCapacity(agent, ar.result()));
              }
              boolean unchanged =
                  ar.result().isEmpty() || TaskList.version(ar.result()).equals(known);
              if (woken == null || !unchanged || woken.future().isComplete()) {
                if (woken != null) {
                  waiters.remove(backend, woken);
                }
                if (woken != null && unchanged) {
                  answerAfterWake(rc, backend, agent);
                } else {
                  answer(rc, ar.result());
                }
                return;
              }
              hold(rc, backend, agent, woken, waitMillis);
            });
  }

  /**
   * What a poll lists: for a named agent the tasks it holds, after claiming its share (section 8);
   * for the agent without an id every task nobody holds, as always.
   */
  private Future<List<TaskList.Entry>> listFor(String backend, TaskLeases.Agent agent) {
    return agent == null
        ? ctx.tasks().findActiveForAgent(ctx.db().pool(), backend)
        : leases.poll(backend, agent);
  }

  /** Holds a long poll until a task is created for the backend, or the wait is over. */
  private void hold(
      RoutingContext rc,
      String backend,
      TaskLeases.Agent agent,
      Promise<Void> woken,
      long waitMillis) {
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
              answerAfterWake(rc, backend, agent);
            });
  }

  private void answerAfterWake(RoutingContext rc, String backend, TaskLeases.Agent agent) {
    if (rc.response().ended() || rc.response().closed()) {
      return;
    }
    listFor(backend, agent)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                failed(rc, ar.cause(), "Listing tasks of " + backend, "Error listing tasks");
              } else {
                answer(rc, ar.result());
              }
            });
  }

  private static long jittered(long millis) {
    return millis <= 0 ? millis : millis - ThreadLocalRandom.current().nextLong(millis / 5 + 1);
  }

  /** The wait in milliseconds (the contract checked that it is a number), capped. */
  private long waitMillis(String raw) {
    if (raw == null || raw.isBlank()) {
      return 0;
    }
    double seconds = Double.parseDouble(raw.strip());
    if (Double.isNaN(seconds) || seconds <= 0) {
      return 0;
    }
    double capped = Math.min(seconds, ctx.config().longPollMaxSeconds());
    return Math.round(capped * 1000);
  }

  private static void answer(RoutingContext rc, List<TaskList.Entry> tasks) {
    if (rc.response().ended() || rc.response().closed()) {
      return;
    }
    rc.response()
        .setStatusCode(200)
        .putHeader(TaskProtocol.VERSION_HEADER, TaskList.version(tasks))
        .putHeader("Content-Type", "application/json")
        .end(TaskList.render(tasks));
  }

  // ---------------------------------------------------------------------------------------------

  private void update(RoutingContext rc, String backend) {
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
              TaskUpdate u;
              try {
                u =
                    contract.update(
                        UpdateForm.decode(rc.request().getHeader("Content-Type"), ar.result()));
              } catch (UpdateForm.Malformed e) {
                Responses.error(rc, 400, "Invalid payload", e.getMessage());
                return;
              }
              store(rc, backend, u);
            });
  }

  private void store(RoutingContext rc, String backend, TaskUpdate u) {
    String agentId;
    Long token;
    try {
      agentId = AgentHeaders.agentId(rc.request());
      token = AgentHeaders.leaseToken(rc.request());
    } catch (IllegalArgumentException e) {
      Responses.error(rc, 400, "Bad request", e.getMessage());
      return;
    }
    reports
        .store(backend, agentId, token, u)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                if (agentId != null && u.complete()) {
                  // the task ended and with it the agent's claim: let it take waiting tasks now
                  waiters.wakeAgent(backend, agentId);
                }
                Responses.json(rc, 200, new JsonObject().put("response", "Update successful"));
              } else if (ar.cause() instanceof TaskLeases.LeaseLost lost) {
                LOG.warning("Refused an update from backend " + backend + ": " + lost.getMessage());
                Responses.error(rc, 409, "Lease lost", lost.getMessage());
              } else if (ar.cause() instanceof TaskReports.OtherBackend ob) {
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
}

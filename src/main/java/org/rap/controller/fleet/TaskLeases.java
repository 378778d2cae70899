package org.rap.controller.fleet;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;
import org.rap.common.model.Timestamps;
import org.rap.common.tasks.TaskList;
import org.rap.controller.db.AgentRepository;
import org.rap.controller.db.Database;
import org.rap.controller.db.TaskLeaseRepository;
import org.rap.controller.db.TaskLeaseRepository.Expired;
import org.rap.controller.db.TaskLeaseRepository.Holder;
import org.rap.controller.db.TaskLeaseRepository.ReportTarget;
import org.rap.controller.db.TaskRepository;

/**
 * Leases of named agents (docs/spec/task-api.md section 8): a poll registers the agent, renews what
 * it holds and claims its share of what nobody holds; an update must carry the token of the lease
 * its task is held under; a lease that runs out ends its RUNJOB task with an error naming the lost
 * agent (the scheduler then starts the job's next attempt, as after any agent error) and frees any
 * other task for another agent.
 */
public final class TaskLeases {
  /** Agent ids: what a host name, a pod name or a port suffix is made of. */
  public static final Pattern AGENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

  /** The results key listing the agents a job's attempts were lost with. */
  public static final String LOST_AGENTS = "lost_agents";

  /** A named agent, the capacity it advertised and the storage it found (null: it did not say). */
  public record Agent(String id, int capacity, String storage) {
    public Agent(String id, int capacity) {
      this(id, capacity, null);
    }
  }

  /** A poll from an agent whose storage is not its backend's other agents' (HTTP 409). */
  public static final class StorageMismatch extends Exception {
    public StorageMismatch(String message) {
      super(message);
    }
  }

  /** An update whose task is not held under the lease it names (HTTP 409). */
  public static final class LeaseLost extends Exception {
    public LeaseLost(String message) {
      super(message);
    }
  }

  private final Database db;
  private final TaskRepository tasks;
  private final TaskLeaseRepository leases = new TaskLeaseRepository();
  private final AgentRepository agents;
  private final Duration lease;
  private final LongSupplier clockMs;

  public TaskLeases(Database db, TaskRepository tasks, Duration lease) {
    this(db, tasks, new AgentRepository(), lease, System::currentTimeMillis);
  }

  TaskLeases(
      Database db,
      TaskRepository tasks,
      AgentRepository agents,
      Duration lease,
      LongSupplier clockMs) {
    this.db = db;
    this.tasks = tasks;
    this.agents = agents;
    this.lease = lease;
    this.clockMs = clockMs;
  }

  public Duration lease() {
    return lease;
  }

  /**
   * A poll of {@code agent}: records it, renews its leases, claims its share of the tasks nobody
   * holds (one transaction), then lists every task it holds with its lease. Capacity 0 only lists
   * them.
   */
  public Future<List<TaskList.Entry>> poll(String backend, Agent agent) {
    if (agent.capacity() == 0) {
      // a look at what the agent holds (operator commands on its host): nothing else
      return tasks.findHeldBy(db.pool(), backend, agent.id());
    }
    long now = clockMs.getAsLong();
    long expires = now + lease.toMillis();
    return db.inTransaction(
            conn ->
                sameStorage(conn, backend, agent, now)
                    .compose(
                        v ->
                            agents.seen(
                                conn, backend, agent.id(), agent.capacity(), agent.storage(), now))
                    .compose(v -> leases.renewLeases(conn, backend, agent.id(), expires))
                    .compose(v -> leases.unclaimed(conn, backend))
                    .compose(
                        unclaimed ->
                            unclaimed.isEmpty()
                                ? Future.succeededFuture(List.<String>of())
                                : claimShare(conn, backend, agent, unclaimed, now, expires)))
        .compose(claimed -> tasks.findHeldBy(db.pool(), backend, agent.id()));
  }

  /** Fails with {@link StorageMismatch} when a live agent of the backend found other storage. */
  private Future<Void> sameStorage(SqlConnection conn, String backend, Agent agent, long now) {
    if (agent.storage() == null) {
      return Future.succeededFuture();
    }
    return agents
        .otherStorage(conn, backend, agent.id(), agent.storage(), now - lease.toMillis())
        .compose(
            other ->
                other == null
                    ? Future.succeededFuture()
                    : Future.failedFuture(
                        new StorageMismatch(
                            "Agent '"
                                + agent.id()
                                + "' found storage "
                                + agent.storage()
                                + " but agent '"
                                + other[0]
                                + "' of backend "
                                + backend
                                + " uses "
                                + other[1]
                                + ": the agents of a backend must share HIGH_PRIVACY_STORAGE_BASE"
                                + " and MEDIUM_PRIVACY_STORAGE_BASE (their "
                                + ".rap-storage markers differ)")));
  }

  private Future<List<String>> claimShare(
      SqlConnection conn,
      String backend,
      Agent agent,
      List<TaskLeaseRepository.Unclaimed> unclaimed,
      long now,
      long expires) {
    return leases
        .heldRunJobs(conn, backend)
        .compose(
            held ->
                agents
                    .liveCapacities(conn, backend, now - lease.toMillis())
                    .map(
                        live ->
                            ClaimShares.pick(unclaimed, agent.id(), agent.capacity(), held, live)))
        .compose(ids -> leases.claim(conn, agent.id(), ids, expires));
  }

  /**
   * How many more RUNJOB tasks {@code agent} may take, holding the listed tasks ({@link
   * TaskRepository#findHeldBy}: each rendered by {@code AgentTask.json}, whose first {@code
   * ,"type":} is the task's type, ahead of the definition; the JSON-encoded id and backend before
   * it cannot hold that text unescaped).
   */
  public static int freeCapacity(Agent agent, List<TaskList.Entry> held) {
    int running = 0;
    for (TaskList.Entry e : held) {
      String json = e.json();
      int at = json.indexOf(",\"type\":");
      if (at >= 0 && json.startsWith("\"runjob\"", at + ",\"type\":".length())) {
        running++;
      }
    }
    return Math.max(0, agent.capacity() - running);
  }

  /** The task an update reports on, with its holder (empty: no such task). */
  public Future<Optional<ReportTarget>> target(SqlConnection conn, String taskId) {
    return leases.reportTarget(conn, taskId);
  }

  /**
   * The fencing check of an update, on the caller's transaction: the task must be held by {@code
   * agentId} (null: the agent without an id, which may update only tasks nobody holds) under {@code
   * token}; {@code h} is the holder the caller read on that transaction ({@link #target}). Renews
   * the lease. Fails with {@link LeaseLost} naming why not.
   */
  public Future<Void> fence(
      SqlConnection conn, String taskId, Holder h, String agentId, Long token) {
    Optional<String> refused = refusal(taskId, h, agentId, token);
    if (refused.isPresent()) {
      return Future.failedFuture(new LeaseLost(refused.get()));
    }
    if (agentId == null) {
      return Future.succeededFuture();
    }
    long now = clockMs.getAsLong();
    return leases
        .renewLease(conn, taskId, agentId, token, now + lease.toMillis())
        .compose(
            renewed ->
                renewed
                    ? Future.<Void>succeededFuture()
                    : Future.failedFuture(
                        new LeaseLost("Task " + taskId + " changed hands while it was updated")));
  }

  /** Why an update may not change the task, or empty when it may. */
  static Optional<String> refusal(String taskId, Holder h, String agentId, Long token) {
    if (agentId == null) {
      return h.agent() == null
          ? Optional.empty()
          : Optional.of(
              "Task " + taskId + " is held by agent '" + h.agent() + "'; send RAP-Agent-Id");
    }
    if (h.agent() == null) {
      return Optional.of(
          "Task "
              + taskId
              + " is not held by agent '"
              + agentId
              + "' (nobody holds it): its lease ran out or was released");
    }
    if (!h.agent().equals(agentId)) {
      return Optional.of(
          "Task " + taskId + " is held by agent '" + h.agent() + "', not by '" + agentId + "'");
    }
    if (token == null) {
      return Optional.of("An update of task " + taskId + " needs RAP-Lease-Token");
    }
    if (!token.equals(h.token())) {
      return Optional.of(
          "Lease token "
              + token
              + " of task "
              + taskId
              + " is stale (the current one is "
              + h.token()
              + ")");
    }
    if (h.expiresMs() == null) {
      return Optional.of(
          "The lease of agent '"
              + agentId
              + "' on task "
              + taskId
              + " ran out or was released: the task has ended and its job goes on without"
              + " this agent");
    }
    return Optional.empty();
  }

  /**
   * Ends the leases that ran out (one transaction): a RUNJOB task ends with an error naming the
   * lost agent, any other task is freed for another agent. Returns what expired.
   */
  public Future<List<Expired>> expire() {
    long now = clockMs.getAsLong();
    return db.inTransaction(
        conn ->
            leases
                .expiredLeases(conn, now)
                .compose(
                    expired -> {
                      Future<List<Expired>> done = Future.succeededFuture(new ArrayList<>());
                      for (Expired e : expired) {
                        done =
                            done.compose(
                                list ->
                                    endOne(conn, e, now)
                                        .map(
                                            ended -> {
                                              if (ended) {
                                                list.add(e);
                                              }
                                              return list;
                                            }));
                      }
                      return done;
                    }));
  }

  private Future<Boolean> endOne(SqlConnection conn, Expired e, long now) {
    if (e.type() != TaskType.RUNJOB) {
      return leases.freeExpired(conn, e.id(), now);
    }
    return tasks
        .findRunJobTasks(conn, e.jobId())
        .compose(
            attempts ->
                leases.endExpired(
                    conn, e.id(), lostResults(e, attempts), now, Timestamps.nowSeconds()));
  }

  /** The results a lost RUNJOB task ends with: a retryable error and every lost agent so far. */
  static JsonObject lostResults(Expired e, List<Task> attempts) {
    Set<String> lost = new LinkedHashSet<>();
    for (Task t : attempts) {
      if (t.report() != null
          && t.report().results() != null
          && t.report().results().getValue(LOST_AGENTS) instanceof JsonArray a) {
        a.forEach(x -> lost.add(String.valueOf(x)));
      }
    }
    lost.add(e.agent());
    String message =
        "Agent '"
            + e.agent()
            + "' stopped polling and reporting: its lease on task "
            + e.id()
            + " ran out";
    return new JsonObject()
        .put(
            "error",
            new JsonObject()
                .put("exception", "LeaseExpired")
                .put("message", message)
                .put("traceback", ""))
        .put("status_message", message)
        .put(LOST_AGENTS, new JsonArray(new ArrayList<>(lost)));
  }

  /**
   * Ends every lease of an agent at once ({@code rap release-agent}), then expires them. Returns
   * the leases that ended.
   */
  public Future<List<Expired>> release(String backend, String agentId) {
    return db.inTransaction(conn -> leases.endLeasesOf(conn, backend, agentId))
        .compose(n -> expire())
        .map(
            all ->
                all.stream()
                    .filter(e -> e.backend().equals(backend) && e.agent().equals(agentId))
                    .toList());
  }

  /** Every named agent with what it holds (operators). */
  public Future<List<AgentRepository.AgentRow>> agents() {
    return agents.list(db.pool());
  }

  /** Whether an agent seen at {@code lastSeenMs} still counts as live (seen within a lease). */
  public boolean live(long lastSeenMs) {
    return clockMs.getAsLong() - lastSeenMs <= lease.toMillis();
  }
}

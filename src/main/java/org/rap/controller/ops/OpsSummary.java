package org.rap.controller.ops;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rap.common.config.BackendSettings;
import org.rap.common.model.Flag;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.common.model.Timestamps;
import org.rap.controller.ControllerContext;
import org.rap.controller.db.AgentRepository;
import org.rap.controller.db.JobRepository;
import org.rap.controller.db.TaskRepository;
import org.rap.controller.scheduler.Flags;
import org.rap.controller.scheduler.ResourceWeights;

/**
 * What the operator page shows, as one JSON document: backends (last seen, paused, database
 * maintenance, worker use, their named agents), active jobs by state with their age, and recent
 * failures. Read-only; a few small queries through the repositories.
 */
public final class OpsSummary {
  /** Most running jobs listed (running jobs are bounded by the worker limits anyway). */
  static final int RUNNING_LIMIT = 500;

  /** Oldest pending jobs listed. */
  static final int PENDING_LIMIT = 100;

  /** Recent failures listed. */
  static final int FAILURES_LIMIT = 25;

  /**
   * An agent that has not polled for this long is flagged (it polls at least every {@code
   * AGENT_LONG_POLL_SECONDS}, 30 s by default, and every few seconds while it has tasks).
   */
  static final long AGENT_STALE_SECONDS = 120;

  private final ControllerContext ctx;
  private final Map<String, ResourceWeights> weights;

  public OpsSummary(ControllerContext ctx, Map<String, ResourceWeights> weights) {
    this.ctx = ctx;
    this.weights = Map.copyOf(weights);
  }

  public Future<JsonObject> build(long nowMicros) {
    Pool pool = ctx.db().pool();
    Future<List<Flag>> flags = ctx.flags().everyBackend(pool);
    Future<List<JobRepository.ActiveGroup>> groups = ctx.jobs().activeGroups(pool);
    Future<List<Job>> running = ctx.jobs().oldestActive(pool, State.RUNNING, RUNNING_LIMIT);
    Future<List<Job>> pending = ctx.jobs().oldestActive(pool, State.PENDING, PENDING_LIMIT);
    Future<List<Job>> failures = ctx.jobs().recentFailures(pool, FAILURES_LIMIT);
    Future<List<TaskRepository.ActiveCount>> tasks = ctx.tasks().activeCounts(pool);
    long now = Math.floorDiv(nowMicros, 1_000_000L);
    Future<List<JobRepository.Life>> lives =
        ctx.jobs().livesSince(pool, now - OpsTimeline.SPAN_SECONDS);
    Future<List<AgentRepository.AgentRow>> agents = new AgentRepository().list(pool);
    return Future.all(List.of(flags, groups, running, pending, failures, tasks, lives, agents))
        .map(
            all -> {
              JsonObject doc =
                  render(
                      nowMicros,
                      flags.result(),
                      groups.result(),
                      running.result(),
                      pending.result(),
                      failures.result(),
                      tasks.result());
              List<String> names = new ArrayList<>();
              doc.getJsonArray("backends")
                  .forEach(b -> names.add(((JsonObject) b).getString("backend")));
              doc.getJsonArray("backends")
                  .forEach(b -> addAgents((JsonObject) b, agents.result(), nowMicros / 1000));
              return doc.put(
                  "timeline",
                  OpsTimeline.build(now, names, lives.result(), ctx.config().backends()));
            });
  }

  private JsonObject render(
      long nowMicros,
      List<Flag> flags,
      List<JobRepository.ActiveGroup> groups,
      List<Job> running,
      List<Job> pending,
      List<Job> failures,
      List<TaskRepository.ActiveCount> tasks) {
    long now = Math.floorDiv(nowMicros, 1_000_000L);
    Set<String> names = new LinkedHashSet<>(ctx.config().backendSlugs());
    flags.forEach(f -> names.add(f.backend()));
    groups.forEach(g -> names.add(g.backend()));
    Flags values = Flags.of(flags);

    Map<String, double[]> use = new LinkedHashMap<>();
    Map<String, int[]> counts = new LinkedHashMap<>();
    for (Job j : running) {
      int k = j.requiresDb() ? 1 : 0;
      use.computeIfAbsent(j.backend(), b -> new double[2])[k] +=
          weights.getOrDefault(j.backend(), ResourceWeights.none()).weightOf(j);
      counts.computeIfAbsent(j.backend(), b -> new int[2])[k]++;
    }

    JsonArray backends = new JsonArray();
    for (String b : names) {
      JsonArray flagList = new JsonArray();
      Long lastSeenUs = null;
      for (Flag f : flags) {
        if (!f.backend().equals(b)) {
          continue;
        }
        flagList.add(
            new JsonObject()
                .put("id", f.id())
                .put("value", f.value())
                .put(
                    "set_at",
                    f.timestampMicros() == null
                        ? null
                        : Timestamps.isoMicros(f.timestampMicros())));
        if (f.id().equals(Flags.LAST_SEEN_AT)) {
          lastSeenUs = f.timestampMicros();
        }
      }
      BackendSettings settings = ctx.config().backend(b);
      double[] u = use.getOrDefault(b, new double[2]);
      int[] c = counts.getOrDefault(b, new int[2]);
      JsonObject activeTasks = new JsonObject();
      tasks.stream()
          .filter(t -> t.backend().equals(b))
          .forEach(t -> activeTasks.put(t.type().value(), t.count()));
      backends.add(
          new JsonObject()
              .put("backend", b)
              .put("configured", settings != null)
              .put("last_seen_at", lastSeenUs == null ? null : Timestamps.isoMicros(lastSeenUs))
              .put(
                  "last_seen_age_seconds",
                  lastSeenUs == null ? null : Math.max(0, now - lastSeenUs / 1_000_000L))
              .put(
                  "agent",
                  lastSeenUs == null
                      ? "never_seen"
                      : now - lastSeenUs / 1_000_000L > AGENT_STALE_SECONDS ? "stale" : "ok")
              .put("paused", values.paused(b))
              .put("db_maintenance", values.inDbMaintenance(b))
              .put("manual_db_maintenance", values.isSet(b, Flags.MANUAL_DB_MAINTENANCE))
              .put("db_maintenance_checks_disabled", values.isSet(b, Flags.CHECKS_DISABLED))
              .put(
                  "workers",
                  new JsonObject()
                      .put("running", c[0])
                      .put("used", u[0])
                      .put("max", settings == null ? null : settings.maxWorkers())
                      .put("running_db", c[1])
                      .put("used_db", u[1])
                      .put("max_db", settings == null ? null : settings.maxDbWorkers()))
              .put("active_tasks", activeTasks)
              .put("flags", flagList));
    }

    JsonArray byState = new JsonArray();
    long totalActive = 0;
    for (JobRepository.ActiveGroup g : groups) {
      totalActive += g.count();
      byState.add(
          new JsonObject()
              .put("backend", g.backend())
              .put("state", g.state().value())
              .put("status_code", g.statusCode().value())
              .put("count", g.count())
              .put("oldest_created_at", Timestamps.isoSeconds(g.oldestCreatedAt()))
              .put("oldest_age_seconds", Math.max(0, now - g.oldestCreatedAt())));
    }

    List<Job> active = new ArrayList<>(running);
    active.addAll(pending);
    JsonArray activeJobs = new JsonArray();
    active.forEach(j -> activeJobs.add(job(j, now)));
    JsonArray failed = new JsonArray();
    failures.forEach(j -> failed.add(job(j, now)));

    return new JsonObject()
        .put("generated_at", Timestamps.isoMicros(nowMicros))
        .put("agent_stale_after_seconds", AGENT_STALE_SECONDS)
        .put("backends", backends)
        .put("active_total", totalActive)
        .put("active_by_state", byState)
        .put("active_jobs", activeJobs)
        .put("active_jobs_listed", activeJobs.size())
        .put("failures", failed);
  }

  /**
   * The backend's named agents (docs/spec/task-api.md section 8): id, capacity, running jobs,
   * leases held, when last seen and whether live (seen within {@code TASK_LEASE_SECONDS}).
   */
  private void addAgents(JsonObject backend, List<AgentRepository.AgentRow> agents, long nowMs) {
    long leaseMs = ctx.config().taskLease().toMillis();
    JsonArray list = new JsonArray();
    for (AgentRepository.AgentRow a : agents) {
      if (!a.backend().equals(backend.getString("backend"))) {
        continue;
      }
      long age = Math.max(0, nowMs - a.lastSeenMs());
      list.add(
          new JsonObject()
              .put("id", a.id())
              .put("capacity", a.capacity())
              .put("running_tasks", a.runningTasks())
              .put("leases", a.leases())
              .put("last_seen_at", Timestamps.isoMicros(a.lastSeenMs() * 1000))
              .put("last_seen_age_seconds", age / 1000)
              .put(
                  "next_lease_expiry_at",
                  a.nextExpiryMs() == null ? null : Timestamps.isoMicros(a.nextExpiryMs() * 1000))
              .put("state", age <= leaseMs ? "live" : "lost"));
    }
    backend.put("agents", list);
  }

  private static JsonObject job(Job j, long now) {
    long statusSince = Math.floorDiv(j.statusCodeUpdatedAt(), 1_000_000_000L);
    return new JsonObject()
        .put("id", j.id())
        .put("rap_id", j.rapId())
        .put("backend", j.backend())
        .put("workspace", j.workspace())
        .put("action", j.action())
        .put("state", j.state().value())
        .put("status_code", j.statusCode().value())
        .put("status_message", j.statusMessage())
        .put("requires_db", j.requiresDb())
        .put("cancelled", j.cancelled())
        .put("created_at", Timestamps.isoSeconds(j.createdAt()))
        .put("age_seconds", Math.max(0, now - j.createdAt()))
        .put("status_age_seconds", Math.max(0, now - statusSince))
        .put("completed_at", Timestamps.isoSeconds(j.completedAt()))
        .put(
            "completed_age_seconds",
            j.completedAt() == null ? null : Math.max(0, now - j.completedAt()));
  }
}

package org.rap.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Settings;
import org.rap.common.model.Job;
import org.rap.common.model.JobSpec;
import org.rap.common.model.JobStatus;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.StatusMessages;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;
import org.rap.controller.ControllerContext;
import org.rap.controller.db.Database;
import org.rap.controller.scheduler.CachingImageDigests;
import org.rap.controller.scheduler.Scheduler;
import org.rap.testing.Jobs;
import org.rap.testing.TestDatabases;

/**
 * Scheduler pass time with many active jobs (default 10,000) on PostgreSQL (or SQLite with {@code
 * sqlite} as first argument): half running (each with an executing RUNJOB task), half pending and
 * waiting on workers (a quarter of those also waiting on a running dependency), over 100
 * workspaces. Reports, side by side in one run: the full-read pass (every active job read and
 * decided: what every pass cost before passes became incremental; the baseline), steady-state
 * passes (nothing changes), passes where 1% of running jobs report a new stage, passes where 10
 * running jobs finish and 10 waiting jobs take their workers, and the passes after every job fell
 * due for its 60-second keep-alive at once. Agent reports are written as one UPDATE of the tasks
 * per pass (the triggers record them as the task API's writes): the bench times passes, not the
 * task API.
 */
public final class SchedulerPassBench {
  public static void main(String[] args) throws Exception {
    Logger root = Logger.getLogger("");
    root.setLevel(Level.WARNING);
    for (var h : root.getHandlers()) {
      h.setLevel(Level.WARNING);
    }
    String dialect = args.length > 0 ? args[0] : "postgresql";
    int total = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    int running = total / 2;
    Vertx vertx = Vertx.vertx();
    Database db = TestDatabases.open(vertx, dialect);
    long t0 = 1_800_000_000L;
    AtomicLong clock = new AtomicLong(t0 * 1_000_000_000L);
    ControllerConfig config =
        ControllerConfig.from(
            Settings.of(
                Map.of(
                    "BACKENDS",
                    "test,tpp",
                    "TEST_MAX_WORKERS",
                    String.valueOf(running),
                    "TEST_MAX_DB_WORKERS",
                    String.valueOf(running),
                    "MAINTENANCE_ENABLED_BACKENDS",
                    "tpp",
                    "DATA_CHECK_ENABLED_BACKENDS",
                    "tpp")));
    ControllerContext ctx = ControllerContext.of(config, db);
    Scheduler scheduler =
        new Scheduler(
            vertx,
            ctx,
            CachingImageDigests.offline(),
            Map.of(),
            clock::get,
            new Scheduler.Options(Duration.ofSeconds(1), Duration.ofSeconds(60)));

    System.out.printf("Setting up %d active jobs on %s ...%n", total, dialect);
    List<Job> jobs = new ArrayList<>(total);
    List<Task> tasks = new ArrayList<>(running);
    for (int i = 0; i < total; i++) {
      String rap = String.format("rap%013d", i / 10);
      Job base = Jobs.pending(rap, "action_" + i, "test", "ws" + (i % 100), t0 - 1000 + i / 100);
      if (i < running) {
        Job r =
            base.withStatus(
                State.RUNNING,
                StatusCode.EXECUTING,
                StatusMessages.INITIATED,
                t0,
                t0 - 500,
                null,
                (t0 - 500) * 1_000_000_000L);
        jobs.add(r);
        tasks.add(
            new Task(
                r.id() + "-001",
                "test",
                TaskType.RUNJOB,
                new JsonObject().put("id", r.id()).put("action", r.action()),
                new JsonObject(),
                t0 - 500,
                true,
                null,
                new Task.AgentReport("executing", false, null, (t0 - 500) * 1_000_000_000L)));
      } else {
        Job p =
            base.withStatus(
                State.PENDING,
                StatusCode.WAITING_ON_WORKERS,
                StatusMessages.WAITING_ON_WORKERS,
                t0,
                null,
                null,
                (t0 - 900) * 1_000_000_000L);
        if (i % 4 == 0) {
          Job dep = jobs.get(i % running);
          p =
              new Job(
                  new JobSpec(
                      p.id(),
                      p.rapId(),
                      "test",
                      p.workspace(),
                      p.action(),
                      p.createdAt(),
                      new JobSpec.Source(p.repoUrl(), p.commit(), "main", null, null),
                      new JobSpec.Run(
                          p.runCommand(), p.outputSpec(), false, p.databaseName(), Map.of()),
                      new JobSpec.Needs(List.of(dep.action()), List.of(dep.id())),
                      new JobSpec.Origin("alice", "p", List.of("o"), Map.of())),
                  new JobStatus(
                      p.state(),
                      StatusCode.WAITING_ON_DEPENDENCIES,
                      StatusMessages.WAITING_ON_DEPENDENCIES,
                      false,
                      t0,
                      null,
                      null,
                      p.statusCodeUpdatedAt()));
        }
        jobs.add(p);
      }
    }
    for (int i = 0; i < jobs.size(); i += 1000) {
      List<Job> chunk = jobs.subList(i, Math.min(jobs.size(), i + 1000));
      db.inTransaction(c -> ctx.jobs().insertAll(c, chunk)).await();
    }
    for (int i = 0; i < tasks.size(); i += 1000) {
      List<Task> chunk = tasks.subList(i, Math.min(tasks.size(), i + 1000));
      db.inTransaction(
              c -> {
                Future<Void> f = Future.succeededFuture();
                for (Task t : chunk) {
                  f =
                      f.compose(
                          v -> ctx.tasks().insert(c, t, t.id().substring(0, t.id().length() - 4)));
                }
                return f;
              })
          .await();
    }
    if (!db.isSqlite()) {
      db.pool().query("ANALYZE").execute().await();
    }

    // warm up (first pass creates the scheduled DB tasks of tpp)
    for (int i = 0; i < (total > 50_000 ? 20 : 100); i++) {
      Scheduler.PassStats s = scheduler.runPass().await();
      if (i == 0) {
        System.out.println("first pass: " + s);
      }
    }
    int n = total > 50_000 ? 20 : 50;
    int fullPasses = total > 50_000 ? 5 : 10;
    double[] full = new double[fullPasses];
    for (int i = 0; i < fullPasses; i++) {
      scheduler.resync();
      long start = System.nanoTime();
      Scheduler.PassStats f = scheduler.runPass().await();
      full[i] = (System.nanoTime() - start) / 1e6;
      if (!f.full()) {
        throw new IllegalStateException("not a full pass: " + f);
      }
    }
    report("full-read pass (baseline: every active job read and decided)", full);
    double[] steady = new double[n];
    Scheduler.PassStats last = null;
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      last = scheduler.runPass().await();
      steady[i] = (System.nanoTime() - start) / 1e6;
    }
    System.out.println("steady-state pass stats: " + last);
    report("steady-state pass (no changes)", steady);
    if (System.getProperty("bench.queries") != null) {
      double[] q1 = new double[n];
      double[] q2 = new double[n];
      double[] q3 = new double[n];
      for (int i = 0; i < n; i++) {
        long a = System.nanoTime();
        ctx.jobs().findActiveStatus(db.pool()).await();
        long b = System.nanoTime();
        ctx.tasks().latestRunJobStatesOfRunningJobs(db.pool()).await();
        long c = System.nanoTime();
        ctx.flags().everyBackend(db.pool()).await();
        ctx.tasks().scheduledSummaries(db.pool()).await();
        long d = System.nanoTime();
        q1[i] = (b - a) / 1e6;
        q2[i] = (c - b) / 1e6;
        q3[i] = (d - c) / 1e6;
      }
      report("  query: active job status columns", q1);
      report("  query: latest RUNJOB of running jobs", q2);
      report("  query: flags + scheduled summaries", q3);
    }

    int reporting = Math.max(1, running / 100);
    double[] changing = new double[n];
    for (int i = 0; i < n; i++) {
      clock.addAndGet(1_000_000_000L);
      List<String> ids = new ArrayList<>(reporting);
      for (int k = 0; k < reporting; k++) {
        ids.add(tasks.get((i * 97 + k * 31) % running).id());
      }
      report(db, ids, i % 2 == 0 ? "executed" : "finalizing", clock.get(), false);
      long start = System.nanoTime();
      last = scheduler.runPass().await();
      changing[i] = (System.nanoTime() - start) / 1e6;
    }
    System.out.println("changing pass stats: " + last);
    report("pass with 1% of running jobs reporting a new stage", changing);

    // 10 running jobs finish; their workers go to 10 of the jobs waiting for workers
    double[] finishing = new double[n];
    int next = 0;
    for (int i = 0; i < n; i++) {
      clock.addAndGet(10_000_000L); // keep the keep-alives for the burst below
      List<String> ids = new ArrayList<>(10);
      for (int k = 0; k < 10; k++) {
        ids.add(tasks.get(next++).id());
      }
      report(db, ids, "finalized", clock.get(), true);
      long start = System.nanoTime();
      last = scheduler.runPass().await();
      finishing[i] = (System.nanoTime() - start) / 1e6;
    }
    System.out.println("finishing pass stats: " + last);
    report("pass with 10 running jobs finishing and 10 waiting jobs starting", finishing);
    System.out.printf(
        "full-read pass / incremental pass (1%% reporting), medians: %.1fx%n",
        median(full) / median(changing));

    // every job falls due for its 60-second keep-alive in the same second: the refreshes are
    // spread over passes in bounded batches; report each of those passes
    clock.addAndGet(61_000_000_000L);
    List<Double> keepAlive = new ArrayList<>();
    int refreshedTotal = 0;
    for (int i = 0; i < 1000; i++) {
      long start = System.nanoTime();
      last = scheduler.runPass().await();
      if (last.refreshed() == 0) {
        break;
      }
      keepAlive.add((System.nanoTime() - start) / 1e6);
      refreshedTotal += last.refreshed();
      clock.addAndGet(1_000_000_000L);
    }
    double[] ka = keepAlive.stream().mapToDouble(Double::doubleValue).toArray();
    System.out.printf(
        "keep-alive: %d jobs due at once, refreshed by %d passes%n", refreshedTotal, ka.length);
    if (ka.length > 0) {
      report("pass during the keep-alive burst", ka);
    }

    db.closeAsync().await();
    vertx.close().await();
  }

  /** Stores agent reports on these tasks in one statement, as the task API would one by one. */
  private static void report(
      Database db, List<String> taskIds, String stage, long tsNs, boolean complete) {
    Map<String, Object> p = new HashMap<>();
    StringBuilder in = new StringBuilder();
    for (int i = 0; i < taskIds.size(); i++) {
      p.put("t" + i, taskIds.get(i));
      in.append(i == 0 ? "" : ", ").append("#{t").append(i).append('}');
    }
    p.put("stage", stage);
    p.put("ts", tsNs);
    p.put("complete", complete ? 1 : 0);
    p.put("results", complete ? OK_RESULTS : "{}");
    SqlTemplate.forUpdate(
            db.pool(),
            "UPDATE tasks SET agent_stage = #{stage}, agent_timestamp_ns = #{ts},"
                + " agent_complete = #{complete}, agent_results = #{results},"
                + " active = 1 - #{complete} WHERE id IN ("
                + in
                + ")")
        .execute(p)
        .await();
  }

  private static final String OK_RESULTS =
      new JsonObject()
          .put("exit_code", 0)
          .put("error", false)
          .put("status_message", "")
          .put("has_unmatched_patterns", false)
          .put("has_level4_excluded_files", false)
          .encode();

  private static double median(double[] ms) {
    double[] s = ms.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  static void report(String what, double[] ms) {
    double[] s = ms.clone();
    Arrays.sort(s);
    System.out.printf(
        "%s: median %.1f ms, p90 %.1f ms, p99 %.1f ms, min %.1f ms, max %.1f ms (n=%d)%n",
        what,
        s[s.length / 2],
        s[(int) Math.floor(s.length * 0.9)],
        s[Math.min(s.length - 1, (int) Math.ceil(s.length * 0.99) - 1)],
        s[0],
        s[s.length - 1],
        s.length);
  }
}

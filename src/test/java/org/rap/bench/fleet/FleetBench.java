package org.rap.bench.fleet;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;
import org.rap.common.tasks.AgentTask;
import org.rap.common.tasks.TaskList;
import org.rap.common.tasks.TaskProtocol;
import org.rap.controller.ControllerEvents;
import org.rap.controller.db.Database;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.db.EventNotifications;
import org.rap.controller.db.TaskRepository;
import org.rap.it.JarProcess;
import org.rap.testing.TestDatabases;
import org.rap.testing.TestTokens;

/**
 * A simulated fleet on one controller (docs/benchmarks.md): {@code java -jar target/rap.jar
 * --role=controller} on PostgreSQL as its own process, and in this process {@code agents} HTTP
 * clients that behave as named agents (long poll with their id and capacity 1, report each task
 * they are handed complete under its lease). RUNJOB tasks are created at {@code rate} per second as
 * the scheduler creates them (row committed, then {@code controller.task.created} announced through
 * PostgreSQL NOTIFY); dispatch latency is the time from the commit to the poll answer that hands
 * the task to an agent. Reports p50/p99 dispatch latency, the controller's peak RSS and the number
 * of failed requests; targets: p99 below 100 ms, RSS below 512 MB, no errors.
 */
public final class FleetBench {
  private static final String TOKEN = TestTokens.AGENT;

  /**
   * The hold each simulated agent asks for; the controller holds a named agent's poll for at most a
   * third of {@code TASK_LEASE_SECONDS} (60 here): the same 20 s.
   */
  private static final int HOLD_SECONDS = 20;

  private final Vertx vertx = Vertx.vertx();
  private final Map<String, Long> committed = new ConcurrentHashMap<>();
  private final Map<String, Long> dispatched = new ConcurrentHashMap<>();
  private final Set<String> reported = ConcurrentHashMap.newKeySet();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();
  private volatile boolean stopping;
  private WebClient http;
  private String base;

  public static void main(String[] args) throws Exception {
    Logger root = Logger.getLogger("");
    root.setLevel(Level.WARNING);
    for (Handler h : root.getHandlers()) {
      h.setLevel(Level.WARNING);
    }
    int agents = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 600;
    int rate = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    FleetBench bench = new FleetBench();
    try {
      bench.run(agents, tasks, rate);
    } finally {
      bench.vertx.close().await();
    }
  }

  private void run(int agents, int tasks, int rate) throws Exception {
    DatabaseTarget target = TestDatabases.fresh("postgresql");
    Path workdir = Files.createTempDirectory("rap-fleet-bench");
    int port = JarProcess.freePort();
    Map<String, String> env = new HashMap<>();
    env.put("BACKENDS", "test");
    env.put("DATABASE_URL", target.pgUri());
    env.put("WORKDIR", workdir.toString());
    env.put("CONTROLLER_HOST", "127.0.0.1");
    env.put("CONTROLLER_PORT", String.valueOf(port));
    env.put("CONTROLLER_ALLOWED_HOSTS", "127.0.0.1");
    env.put("TEST_CLIENT_TOKENS", TestTokens.CLIENT);
    env.put("TEST_JOB_SERVER_TOKEN", TOKEN);
    env.put("TASK_API_RATE_LIMIT", "0");
    env.put("TASK_LEASE_SECONDS", "60");
    env.put("MAINTENANCE_ENABLED_BACKENDS", "");
    env.put("DATA_CHECK_ENABLED_BACKENDS", "");
    try (JarProcess controller = JarProcess.start(env, "--role=controller")) {
      String ready = "http://127.0.0.1:" + port + "/health/ready";
      if (controller.awaitStatus(ready, 200, Duration.ofSeconds(120)) != 200) {
        throw new IllegalStateException("controller not ready: " + controller.output());
      }
      base = "http://127.0.0.1:" + port + "/";
      http =
          WebClient.create(
              vertx,
              new WebClientOptions().setKeepAlive(true),
              new PoolOptions().setHttp1MaxSize(agents + 50));
      for (int i = 0; i < agents; i++) {
        String id = String.format("sim-%04d", i);
        vertx.setTimer(1 + (i % 500), t -> poll(id, null));
      }
      awaitWaiting(agents); // every agent polled once and waits
      // the fleet started all at once, so its held polls end together at first (a hold is
      // HOLD_SECONDS, shortened by up to a fifth at random); after three holds that jitter has
      // spread them as in a fleet that has run a while, the steady state measured here
      Thread.sleep(3 * HOLD_SECONDS * 1000L);
      Database db = Database.open(vertx, target);
      TaskRepository repo = new TaskRepository();
      EventNotifications notify = new EventNotifications();
      long started = System.nanoTime();
      for (int i = 0; i < tasks; i++) {
        long due = started + i * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        String job = String.format("fleetbench%06d", i);
        String id = job + "-001";
        Task t =
            Task.created(
                id, "test", TaskType.RUNJOB, new JsonObject().put("id", job), new JsonObject(), 1);
        repo.insert(db.pool(), t, job).await();
        committed.put(id, System.nanoTime());
        JsonObject event =
            new JsonObject()
                .put("o", "fleet-bench")
                .put("a", ControllerEvents.TASK_CREATED)
                .put("b", new JsonObject().put("backend", "test").put("task_id", id));
        notify.notify(db.pool(), event.encode()).await();
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (reported.size() < tasks && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      stopping = true;
      long rssMiB = peakRssMiB(controller.process);
      double[] ms =
          committed.entrySet().stream()
              .filter(e -> dispatched.containsKey(e.getKey()))
              .mapToDouble(e -> (dispatched.get(e.getKey()) - e.getValue()) / 1e6)
              .sorted()
              .toArray();
      long missing = tasks - ms.length;
      System.out.printf(
          "Fleet of %d simulated agents, %d RUNJOB tasks at %d/s on PostgreSQL:%n",
          agents, tasks, rate);
      if (ms.length > 0) {
        System.out.printf(
            "dispatch latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d)%n",
            pct(ms, 0.5), pct(ms, 0.99), ms[ms.length - 1], ms.length);
      }
      System.out.printf(
          "controller peak RSS: %d MiB; requests: %d, errors: %d, tasks never dispatched: %d%n",
          rssMiB, requests.get(), errors.get(), missing);
      boolean pass =
          ms.length > 0 && pct(ms, 0.99) < 100 && rssMiB < 512 && errors.get() == 0 && missing == 0;
      System.out.println(
          "fleet targets (p99 < 100 ms, RSS < 512 MB, 0 errors): " + (pass ? "PASS" : "FAIL"));
      db.closeAsync().await();
    }
  }

  /** One agent's loop: long poll, report what it was handed, poll again. */
  private void poll(String agent, String known) {
    if (stopping) {
      return;
    }
    requests.incrementAndGet();
    HttpRequest<Buffer> req =
        http.getAbs(
                base
                    + TaskProtocol.tasksPath("test")
                    + "?wait="
                    + HOLD_SECONDS
                    + (known == null ? "" : "&known=" + known))
            .putHeader("Authorization", TOKEN)
            .putHeader(TaskProtocol.AGENT_ID_HEADER, agent)
            .putHeader(TaskProtocol.CAPACITY_HEADER, "1")
            .timeout(60_000);
    req.send()
        .onComplete(
            ar -> {
              if (ar.failed() || ar.result().statusCode() != 200) {
                if (!stopping) {
                  errors.incrementAndGet();
                }
                vertx.setTimer(500, t -> poll(agent, null));
                return;
              }
              long now = System.nanoTime();
              HttpResponse<Buffer> r = ar.result();
              Future<Void> done = Future.succeededFuture();
              for (AgentTask t : TaskList.parse(r.bodyAsJsonObject(), why -> {})) {
                if (dispatched.putIfAbsent(t.id(), now) == null) {
                  done = done.compose(v -> complete(agent, t));
                }
              }
              String version = r.getHeader(TaskProtocol.VERSION_HEADER);
              done.onComplete(x -> poll(agent, version));
            });
  }

  private Future<Void> complete(String agent, AgentTask t) {
    requests.incrementAndGet();
    JsonObject update =
        new JsonObject()
            .put("task_id", t.id())
            .put("stage", "finalized")
            .put("results", new JsonObject().put("exit_code", 0))
            .put("complete", true);
    return http.postAbs(base + TaskProtocol.updatePath("test"))
        .putHeader("Authorization", TOKEN)
        .putHeader(TaskProtocol.AGENT_ID_HEADER, agent)
        .putHeader(TaskProtocol.LEASE_TOKEN_HEADER, String.valueOf(t.lease().token()))
        .timeout(60_000)
        .sendJsonObject(update)
        .map(
            r -> {
              if (r.statusCode() == 200) {
                reported.add(t.id());
              } else if (!stopping) {
                errors.incrementAndGet();
              }
              return (Void) null;
            })
        .otherwise(
            e -> {
              if (!stopping) {
                errors.incrementAndGet();
              }
              return null;
            });
  }

  /**
   * Until the controller's {@code rap_long_poll_waiters} gauge counts every agent (60 s at most).
   */
  private void awaitWaiting(int agents) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      String metrics = http.getAbs(base + "metrics").send().await().bodyAsString();
      for (String line : metrics.split("\n")) {
        // the gauge carries the registry's common tags: rap_long_poll_waiters{rap_service=...} N
        if ((line.startsWith("rap_long_poll_waiters ") || line.startsWith("rap_long_poll_waiters{"))
            && Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) >= agents * 0.9) {
          return;
        }
      }
      Thread.sleep(200);
    }
    System.out.println("fewer than 90 % of the agents were waiting after 60 s");
  }

  private static double pct(double[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(sorted.length * q))];
  }

  private static long peakRssMiB(Process p) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(p.pid()), "status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.substring(6).replace("kB", "").strip()) / 1024;
      }
    }
    return -1;
  }
}

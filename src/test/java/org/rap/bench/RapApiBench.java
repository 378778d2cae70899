package org.rap.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Settings;
import org.rap.common.model.Job;
import org.rap.common.model.JobIds;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;
import org.rap.common.tasks.TaskUpdate;
import org.rap.controller.ControllerContext;
import org.rap.controller.ControllerVerticle;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.db.TaskRepository;
import org.rap.controller.planning.JobCreationException;
import org.rap.testing.Jobs;
import org.rap.testing.TestDatabases;

/**
 * RAP API benchmark: seeds 1,000 RAPs of 5 jobs (with a RUNJOB task carrying metrics for every
 * running job), measures {@code rap/status/} latency for all 1,000 ids, then throughput with wrk
 * (or a bounded WebClient loop when wrk is missing), loopback only.
 *
 * <p>Run: {@code mvn -q test-compile && mvn -q dependency:build-classpath
 * -Dmdep.outputFile=/tmp/rapapi-cp.txt && java -cp target/test-classes:target/classes:$(cat
 * /tmp/rapapi-cp.txt) org.rap.bench.RapApiBench [sqlite|postgresql] [seconds]}. wrk: {@code apt-get
 * install -y wrk}.
 */
public final class RapApiBench {
  private static final String TOKEN = "bench-token";

  public static void main(String[] args) throws Exception {
    String dialect = args.length > 0 ? args[0] : "sqlite";
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    Vertx vertx = Vertx.vertx();
    try {
      run(vertx, dialect, seconds);
    } finally {
      vertx.close().await();
    }
  }

  private static void run(Vertx vertx, String dialect, int seconds) throws Exception {
    DatabaseTarget target = TestDatabases.fresh(dialect);
    String url =
        target.dialect() == DatabaseTarget.Dialect.SQLITE
            ? "sqlite:" + target.sqliteFile()
            : target.pgUri();
    ControllerConfig config =
        ControllerConfig.from(
            Settings.of(
                Map.of(
                    "BACKENDS",
                    "test,tpp",
                    "TEST_CLIENT_TOKENS",
                    TOKEN,
                    "DATABASE_URL",
                    url,
                    "CONTROLLER_PORT",
                    "0",
                    "CONTROLLER_HOST",
                    "127.0.0.1",
                    // the API's own speed: no per-token rate limit
                    "RAP_API_RATE_LIMIT",
                    "0",
                    "WORKDIR",
                    Files.createTempDirectory("rap-bench").toString())));
    ControllerVerticle controller =
        new ControllerVerticle(
            config,
            (vx, c) -> request -> Future.failedFuture(new JobCreationException("not used")));
    vertx.deployVerticle(controller).await();
    int port = controller.httpPort();
    List<String> rapIds = seed(controller.context());
    if (!controller.context().db().isSqlite()) {
      // steady state: autovacuum keeps a serving database's statistics current. Right after a
      // bulk seed they may describe a partly seeded table (an autoanalyze ran mid-seed), and the
      // scheduler's join of running jobs to their tasks then gets a nested loop over all tasks
      // (about 1 s a pass at 2,400 running jobs), which measured the scheduler, not the API
      controller.context().db().pool().query("ANALYZE").execute().await();
    }
    System.out.printf(
        "dialect=%s port=%d seeded %d RAPs / %d jobs%n",
        dialect, port, rapIds.size(), rapIds.size() * 5);

    WebClient client =
        WebClient.create(
            vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    Buffer all = new JsonObject().put("rap_ids", new JsonArray(new ArrayList<>(rapIds))).toBuffer();
    for (int i = 0; i < 30; i++) {
      statusCall(client, all);
    }
    int n = 200;
    long[] nanos = new long[n];
    int jobs = 0;
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      HttpResponse<Buffer> r = statusCall(client, all);
      nanos[i] = System.nanoTime() - t0;
      jobs = r.bodyAsJsonObject().getJsonArray("jobs").size();
    }
    Arrays.sort(nanos);
    System.out.printf(
        "rap/status/ 1000 ids -> %d jobs (%d KB): median %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d, sequential)%n",
        jobs,
        statusCall(client, all).body().length() / 1024,
        nanos[n / 2] / 1e6,
        nanos[n * 90 / 100] / 1e6,
        nanos[n * 99 / 100] / 1e6,
        nanos[n - 1] / 1e6,
        n);

    // job-server (python requests) asks for gzip; measure that too
    long[] gz = new long[50];
    int gzSize = 0;
    for (int i = 0; i < gz.length; i++) {
      long t0 = System.nanoTime();
      HttpResponse<Buffer> r =
          client
              .post("/controller/v1/rap/status/")
              .putHeader("Authorization", TOKEN)
              .putHeader("Content-Type", "application/json")
              .putHeader("Accept-Encoding", "gzip, deflate")
              .sendBuffer(all)
              .await();
      gz[i] = System.nanoTime() - t0;
      gzSize = r.body().length();
    }
    Arrays.sort(gz);
    System.out.printf(
        "rap/status/ 1000 ids with Accept-Encoding gzip (%d KB on the wire, WebClient decompresses=%s): median %.1f ms, p99 %.1f ms (n=%d)%n",
        gzSize / 1024,
        new WebClientOptions().isDecompressionSupported(),
        gz[gz.length / 2] / 1e6,
        gz[gz.length * 99 / 100] / 1e6,
        gz.length);

    String base = "http://127.0.0.1:" + port + "/controller/v1/";
    String smallStatus =
        new JsonObject().put("rap_ids", new JsonArray().add(rapIds.get(7))).encode();
    if (wrkAvailable()) {
      // a controller in service is JIT-compiled: warm this path up first (C2 still took half a
      // core during the first 10 s of load, on a 2-core machine shared with wrk and the database)
      wrk(base + "rap/status/", "POST", smallStatus, seconds, true);
      wrk(base + "rap/status/", "POST", smallStatus, seconds);
      wrk(base + "backend/status/", "GET", null, seconds);
      wrkMixed(base, rapIds.get(3), seconds);
    } else {
      loop(client, Buffer.buffer(smallStatus), seconds);
    }
    client.close();
  }

  private static HttpResponse<Buffer> statusCall(WebClient client, Buffer body) {
    HttpResponse<Buffer> r =
        client
            .post("/controller/v1/rap/status/")
            .putHeader("Authorization", TOKEN)
            .putHeader("Content-Type", "application/json")
            .sendBuffer(body)
            .await();
    if (r.statusCode() != 200) {
      throw new IllegalStateException("status " + r.statusCode() + ": " + r.bodyAsString());
    }
    return r;
  }

  /** 1,000 RAPs x 5 jobs in backend test, 200 more RAPs in tpp; a RUNJOB task per running job. */
  private static List<String> seed(ControllerContext ctx) {
    List<String> rapIds = new ArrayList<>();
    List<Job> jobs = new ArrayList<>();
    for (int r = 0; r < 1200; r++) {
      String rap = String.format("rap%013d", r);
      String backend = r < 1000 ? "test" : "tpp";
      if (r < 1000) {
        rapIds.add(rap);
      }
      for (int a = 0; a < 5; a++) {
        Job j = Jobs.pending(rap, "action_" + a, backend, "ws" + (r % 50), 1769851646L + r);
        if (a < 2) {
          j =
              j.withStatus(
                  State.RUNNING,
                  StatusCode.EXECUTING,
                  "Job executing on the backend",
                  1769851700L,
                  1769851690L,
                  null,
                  1L);
        } else if (a == 2) {
          j =
              j.withStatus(
                  State.SUCCEEDED,
                  StatusCode.SUCCEEDED,
                  "Completed successfully",
                  1769851800L,
                  1769851690L,
                  1769851800L,
                  2L);
        }
        jobs.add(j);
      }
    }
    TaskRepository tasks = ctx.tasks();
    JsonObject definition =
        new JsonObject()
            .put("id", "x")
            .put("run_command", "python:v2 analysis/x.py")
            .put("env", new JsonObject().put("A", "b"));
    JsonObject results =
        new JsonObject()
            .put(
                "job_metrics",
                new JsonObject()
                    .put("cpu_mean", 97.5)
                    .put("cpu_peak", 101.2)
                    .put("mem_mb_mean", 812.4)
                    .put("mem_mb_peak", 1024.0));
    // each running job with its RUNJOB task in one transaction, as the scheduler writes them:
    // a running job without its task is an error to the scheduler running meanwhile
    for (int i = 0; i < jobs.size(); i += 500) {
      List<Job> part = jobs.subList(i, Math.min(jobs.size(), i + 500));
      ctx.db()
          .inTransaction(
              c -> {
                Future<?> f = ctx.jobs().insertAll(c, part);
                for (Job j : part) {
                  if (j.state() != State.RUNNING) {
                    continue;
                  }
                  String id = JobIds.runJobTaskId(j.id(), 1);
                  Task t =
                      new Task(
                          id,
                          j.backend(),
                          TaskType.RUNJOB,
                          definition,
                          new JsonObject(),
                          1769851690L,
                          true,
                          null,
                          null);
                  TaskUpdate executing = new TaskUpdate(id, "executing", results, false, 1L);
                  f =
                      f.compose(v -> tasks.insert(c, t, j.id()))
                          .compose(v -> tasks.storeReport(c, j.backend(), executing, 1769851700L))
                          .compose(v -> ctx.jobs().copyMetricsOfTask(c, id, results));
                }
                return f;
              })
          .await();
    }
    return rapIds;
  }

  private static boolean wrkAvailable() {
    try {
      return new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start().waitFor()
          >= 0;
    } catch (Exception e) {
      return false;
    }
  }

  private static void wrk(String url, String method, String body, int seconds) throws Exception {
    wrk(url, method, body, seconds, false);
  }

  private static void wrk(String url, String method, String body, int seconds, boolean warmUp)
      throws Exception {
    Path script = Files.createTempFile("rap-wrk", ".lua");
    StringBuilder lua = new StringBuilder();
    lua.append("wrk.method = \"").append(method).append("\"\n");
    lua.append("wrk.headers[\"Authorization\"] = \"").append(TOKEN).append("\"\n");
    if (body != null) {
      lua.append("wrk.headers[\"Content-Type\"] = \"application/json\"\n");
      lua.append("wrk.body = '").append(body).append("'\n");
    }
    lua.append("done = function(summary, latency, requests)\n")
        .append(
            "  io.write(string.format(\"non2xx/errors: status=%d connect=%d read=%d write=%d timeout=%d\\n\",")
        .append(
            " summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))\nend\n");
    Files.writeString(script, lua.toString());
    List<String> cmd =
        List.of(
            "wrk", "-t2", "-c32", "-d" + seconds + "s", "--latency", "-s", script.toString(), url);
    // BenchReport takes the first "$ wrk" run against rap/status/: not the warm-up
    System.out.println((warmUp ? "warm-up, not counted: " : "$ ") + String.join(" ", cmd));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    System.out.println(
        warmUp
            ? out.lines()
                    .filter(l -> l.startsWith("Requests/sec") || l.startsWith("non2xx"))
                    .collect(Collectors.joining("\n"))
                + "\n"
            : out);
  }

  /**
   * job-server's mix: status of one RAP, backend status, a create replay ("No change") and a cancel
   * of an unknown action (404), round robin.
   */
  private static void wrkMixed(String base, String rapId, int seconds) throws Exception {
    String create =
        new JsonObject()
            .put("backend", "test")
            .put("rap_id", rapId)
            .put("workspace", "ws3")
            .put("repo_url", "https://github.com/opensafely/test-repo")
            .put("branch", "main")
            .put("commit", "a".repeat(40))
            .put("database_name", "default")
            .put("requested_actions", new JsonArray().add("action_0"))
            .put("codelists_ok", true)
            .put("force_run_dependencies", false)
            .put("created_by", "alice")
            .put("project", "project")
            .put("orgs", new JsonArray().add("org"))
            .put("analysis_scope", new JsonObject())
            .encode();
    String status = new JsonObject().put("rap_ids", new JsonArray().add(rapId)).encode();
    String cancel =
        new JsonObject().put("rap_id", rapId).put("actions", new JsonArray().add("nope")).encode();
    Path script = Files.createTempFile("rap-wrk-mixed", ".lua");
    String lua =
        "local h = {[\"Authorization\"] = \""
            + TOKEN
            + "\", [\"Content-Type\"] = \"application/json\"}\n"
            + "local reqs\n"
            + "init = function(args) reqs = {\n"
            + "  wrk.format(\"POST\", \"/controller/v1/rap/status/\", h, '"
            + status
            + "'),\n"
            + "  wrk.format(\"GET\", \"/controller/v1/backend/status/\", h),\n"
            + "  wrk.format(\"POST\", \"/controller/v1/rap/create/\", h, '"
            + create
            + "'),\n"
            + "  wrk.format(\"POST\", \"/controller/v1/rap/cancel/\", h, '"
            + cancel
            + "')\n"
            + "} end\n"
            + "local i = 0\n"
            + "request = function() i = i % 4 + 1; return reqs[i] end\n"
            + "done = function(summary, latency, requests)\n"
            + "  io.write(string.format(\"non2xx/errors: status=%d connect=%d read=%d write=%d timeout=%d (expected non-2xx: the cancels, 404, a quarter of all requests)\\n\",\n"
            + "    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))\n"
            + "end\n";
    Files.writeString(script, lua);
    List<String> cmd =
        List.of(
            "wrk", "-t2", "-c32", "-d" + seconds + "s", "--latency", "-s", script.toString(), base);
    System.out.println(
        "$ "
            + String.join(" ", cmd)
            + "   (mixed: status, backend status, create replay, cancel 404)");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    System.out.println(out);
  }

  /** Fallback load: 32 requests in flight, bounded by count and time. */
  private static void loop(WebClient client, Buffer body, int seconds) {
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    AtomicLong remaining = new AtomicLong(200_000);
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    long t0 = System.nanoTime();
    List<Future<Void>> workers = new ArrayList<>();
    for (int w = 0; w < 32; w++) {
      workers.add(worker(client, body, ok, errors, remaining, end));
    }
    Future.all(workers).await();
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "WebClient loop: %d ok, %d errors in %.1f s = %.0f req/s%n",
        ok.get(), errors.get(), secs, ok.get() / secs);
  }

  private static Future<Void> worker(
      WebClient client,
      Buffer body,
      AtomicInteger ok,
      AtomicInteger errors,
      AtomicLong remaining,
      long end) {
    if (System.nanoTime() > end || remaining.decrementAndGet() < 0) {
      return Future.succeededFuture();
    }
    return client
        .post("/controller/v1/rap/status/")
        .putHeader("Authorization", TOKEN)
        .sendBuffer(body)
        .transform(
            ar -> {
              if (ar.succeeded() && ar.result().statusCode() == 200) {
                ok.incrementAndGet();
              } else {
                errors.incrementAndGet();
              }
              return worker(client, body, ok, errors, remaining, end);
            });
  }
}

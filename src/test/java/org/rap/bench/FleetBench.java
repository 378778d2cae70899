package org.rap.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.rap.common.model.JobIds;
import org.rap.it.JarProcess;
import org.rap.testing.TestDatabases;

/**
 * Fleet throughput: {@code jobs} trivial jobs (default 200, one RAP of that many actions) through
 * one controller and {@code agents} agent processes ({@code java -jar target/rap.jar --role=agent},
 * each with its own {@code AGENT_PORT} and {@code WORKDIR}, and with more than one agent its own
 * {@code AGENT_ID}) on the local Docker engine, from {@code rap/create/} until {@code rap/status/}
 * reports every job succeeded, against the same number of plain {@code docker run --rm} of the same
 * image and command with the same parallelism ({@code TEST_MAX_WORKERS}, default 4) on the same
 * engine, run right after. Prints both rates (jobs/s) and their ratio (target at least 0.75), then
 * one JSON object.
 *
 * <p>Usage: {@code FleetBench [jobs] [agents] [parallelism] [warm-up jobs]}: the services first run
 * the warm-up jobs (default: as many as timed; in rounds of at most {@code jobs}, each in a
 * workspace of its own; the first round is timed apart as the cold figure), as services that have
 * been running a while; the engine likewise runs a few plain containers first. Several agents share
 * the backend's work under leases: each has its own id and volume directory and they share the
 * privacy storage, as a fleet on shared storage does. The controller runs on a fresh PostgreSQL
 * database ({@code -Dbench.db=sqlite}: on SQLite) and the agents with the JVM options the image
 * gives them.
 */
public final class FleetBench {
  private static final String IMAGE = "ghcr.io/opensafely-core/python:v2";
  private static final String CMD = "mkdir -p output && echo 1 > output/x.csv";

  /** The agent's JVM options as the image's entry point and {@code bin/rap} give them. */
  public static final List<String> AGENT_JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1");

  public static void main(String[] args) throws Exception {
    int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int agents = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    int parallelism = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    int warmup = args.length > 3 ? Integer.parseInt(args[3]) : jobs;
    Path tmp = Files.createTempDirectory("rap-fleetbench");
    Path repo = Files.createDirectories(tmp.resolve("study"));
    StringBuilder yaml = new StringBuilder("version: '4.0'\nactions:\n");
    List<String> actions = new ArrayList<>();
    for (int i = 0; i < jobs; i++) {
      String a = "trivial_" + i;
      actions.add(a);
      yaml.append("  ")
          .append(a)
          .append(":\n    run: python:v2 sh -c '")
          .append(CMD.replace("x.csv", "x" + i + ".csv"))
          .append("'\n    outputs: {moderately_sensitive: {x: output/x")
          .append(i)
          .append(".csv}}\n");
    }
    Files.writeString(repo.resolve("project.yaml"), yaml);
    String commit = BenchStudy.commitAll(repo);
    int port = JarProcess.freePort();
    Map<String, String> common =
        Map.of("BACKENDS", "test", "ALLOW_LOCAL_GIT_REPOS", "true", "LOCAL_IMAGES_ONLY", "true");
    Map<String, String> ctl = BenchStudy.controllerEnv(common, tmp.resolve("ctl"), port);
    ctl.put("TEST_MAX_WORKERS", String.valueOf(parallelism));
    // a backend that has outgrown one host runs its controller on PostgreSQL (production's
    // database); -Dbench.db=sqlite measures the embedded default instead
    String db = System.getProperty("bench.db", "postgresql");
    if (!db.equals("sqlite")) {
      ctl.put("DATABASE_URL", TestDatabases.fresh(db).pgUri());
    }
    if (JarProcess.run(ctl, "migrate").exit() != 0) {
      throw new IllegalStateException("migrate failed");
    }
    List<JarProcess> fleet = new ArrayList<>();
    double rapRate;
    long rapMs;
    double coldRate = 0;
    try (JarProcess controller = JarProcess.start(ctl, "--role=controller")) {
      try {
        for (int k = 0; k < agents; k++) {
          Map<String, String> ag =
              BenchStudy.agentEnv(common, tmp.resolve("agent-" + k), port, JarProcess.freePort());
          if (agents > 1) {
            // a fleet: one id each, shared privacy storage, a volume directory of its own
            ag.put("AGENT_ID", "bench-agent-" + k);
            ag.put("AGENT_MAX_WORKERS", String.valueOf(Math.max(1, parallelism / agents + 1)));
            ag.put("HIGH_PRIVACY_STORAGE_BASE", tmp.resolve("shared/high_privacy").toString());
            ag.put("MEDIUM_PRIVACY_STORAGE_BASE", tmp.resolve("shared/medium_privacy").toString());
            ag.put("HIGH_PRIVACY_VOLUME_DIR", tmp.resolve("agent-" + k + "/volumes").toString());
          }
          fleet.add(JarProcess.start(AGENT_JVM_OPTIONS, ag, "--role=agent"));
        }
        controller.awaitStatus(
            "http://localhost:" + port + "/health/ready", 200, Duration.ofSeconds(60));
        String api = "http://localhost:" + port + "/controller/v1/";
        if (warmup > 0) {
          // services run for days: the timed run measures them past their start-up (class
          // loading, compilation), as an operator's fleet is; the cold figure is printed too
          // in rounds of at most {@code jobs} actions, each in a workspace of its own; the cold
          // figure is the first round's
          for (int done = 0, round = 0; done < warmup; round++) {
            int n = Math.min(jobs, warmup - done);
            long w =
                runAll(api, repo, commit, actions.subList(0, n), "fleet-warmup-" + round, fleet);
            if (round == 0) {
              coldRate = n * 1000.0 / w;
            }
            done += n;
          }
        }
        System.out.println("timed run: " + jobs + " jobs");
        rapMs = runAll(api, repo, commit, actions, "fleet", fleet);
        rapRate = jobs * 1000.0 / rapMs;
      } finally {
        for (JarProcess a : fleet) {
          a.terminate();
        }
        controller.terminate();
      }
    }
    plainDocker(Math.min(jobs, 2 * parallelism), parallelism); // the engine warmed up alike
    long dockerMs = plainDocker(jobs, parallelism);
    double dockerRate = jobs * 1000.0 / dockerMs;
    System.out.printf(
        "RAP, %d jobs, %d agent(s), %d workers, controller on %s: %.2f jobs/s (%d ms)%n",
        jobs, agents, parallelism, db, rapRate, rapMs);
    System.out.printf(
        "plain docker run --rm, %d containers, %d at a time: %.2f jobs/s (%d ms)%n",
        jobs, parallelism, dockerRate, dockerMs);
    if (warmup > 0) {
      System.out.printf(
          "RAP from a cold start (the first %d jobs, while the services warmed up): %.2f jobs/s,"
              + " %.2f of plain docker%n",
          Math.min(jobs, warmup), coldRate, coldRate / dockerRate);
    }
    System.out.printf("fleet throughput ratio (RAP / plain docker): %.2f%n", rapRate / dockerRate);
    System.out.println(
        new JsonObject()
            .put("jobs", jobs)
            .put("agents", agents)
            .put("parallelism", parallelism)
            .put("database", db)
            .put("rap_jobs_per_s", rapRate)
            .put("docker_jobs_per_s", dockerRate)
            .put("ratio", rapRate / dockerRate)
            .put("warmup_jobs", warmup)
            .put("cold_jobs_per_s", coldRate)
            .encodePrettily());
  }

  /**
   * Milliseconds from {@code rap/create/} of {@code actions} in {@code workspace} until {@code
   * rap/status/} reports every job succeeded.
   */
  private static long runAll(
      String api,
      Path repo,
      String commit,
      List<String> actions,
      String workspace,
      List<JarProcess> fleet)
      throws Exception {
    String rap = JobIds.newRapId();
    long t0 = System.nanoTime();
    BenchStudy.post(
        api + "rap/create/", BenchStudy.create(rap, workspace, repo.toString(), commit, actions));
    while (true) {
      JsonArray all =
          BenchStudy.post(
                  api + "rap/status/", new JsonObject().put("rap_ids", new JsonArray().add(rap)))
              .getJsonArray("jobs");
      int done = 0;
      for (int i = 0; i < all.size(); i++) {
        String status = all.getJsonObject(i).getString("status");
        if ("failed".equals(status)) {
          throw new IllegalStateException("job failed: " + all.getJsonObject(i).encode());
        }
        done += "succeeded".equals(status) ? 1 : 0;
      }
      if (all.size() == actions.size() && done == actions.size()) {
        return (System.nanoTime() - t0) / 1_000_000;
      }
      for (JarProcess a : fleet) {
        if (!a.process.isAlive()) {
          throw new IllegalStateException("an agent exited: " + a.output());
        }
      }
      if (System.nanoTime() - t0 > Duration.ofMinutes(10).toNanos()) {
        throw new IllegalStateException(
            done + " of " + actions.size() + " jobs done after 10 minutes");
      }
      // job-server polls every few seconds; a quarter of a second costs the controller little
      // and the measurement at most that much
      Thread.sleep(250);
    }
  }

  /** Wall time of {@code n} plain {@code docker run --rm}, {@code parallelism} at a time. */
  private static long plainDocker(int n, int parallelism) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(parallelism);
    try {
      long t0 = System.nanoTime();
      List<Future<Integer>> runs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        runs.add(
            pool.submit(
                () ->
                    new ProcessBuilder(
                            "docker", "run", "--rm", "--network", "none", IMAGE, "sh", "-c", CMD)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start()
                        .waitFor()));
      }
      for (Future<Integer> r : runs) {
        if (r.get() != 0) {
          throw new IllegalStateException("docker run failed: exit " + r.get());
        }
      }
      return (System.nanoTime() - t0) / 1_000_000;
    } finally {
      pool.shutdownNow();
    }
  }
}

package org.rap.it;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rap.bench.BenchStudy;
import org.rap.bench.Stats;
import org.rap.common.model.JobIds;

/**
 * Whole-system figures with controller and agent as separate jars (embedded SQLite, real Docker):
 * (a) dispatch latency: from sending {@code rap/create/} to the agent receiving the RUNJOB task,
 * taken from the agent's own log line {@code Received runjob task <id>} (same host clock, ms
 * precision); (b) per-job overhead: a trivial job's create → succeeded wall time (as job-server
 * sees it in {@code rap/status/}) minus a plain {@code docker run --rm} of the same image and
 * command, run alternately; (e) resident memory of both processes after the rounds. The first
 * {@code warmup} jobs (second argument, default 10) are not counted: services in production are
 * warm. Prints one JSON object. Run by {@code make bench}; needs {@code target/rap.jar}.
 */
public final class SystemBench {
  private static final String CMD = "mkdir -p output && echo 1 > output/x.csv";

  /**
   * The JVM of the deployment (deploy/k8s: 1 GiB memory limit, {@code -XX:MaxRAMPercentage=75}),
   * outside a container: a 768 MiB heap, and the Serial collector, which the JVM picks in a 1 GiB
   * container (fewer than 1,792 MB: not a "server class machine") but not from {@code -XX:MaxRAM}
   * on a bigger host, where it would take G1 and its ~40 MB of remembered sets and card tables.
   * scripts/image-smoke.sh checks both in a 1 GiB container of the image.
   */
  static final String JVM_OPTIONS = "-XX:MaxRAM=1g -XX:MaxRAMPercentage=75 -XX:+UseSerialGC";

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    // a controller and agent in service have run many jobs: measure them warm (JIT-compiled)
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    Path tmp = Files.createTempDirectory("rap-sysbench");
    Path repo = Files.createDirectories(tmp.resolve("study"));
    Files.writeString(
        repo.resolve("project.yaml"),
        "version: '4.0'\nactions:\n  trivial:\n    run: python:v2 sh -c '"
            + CMD
            + "'\n"
            + "    outputs: {moderately_sensitive: {x: output/x.csv}}\n");
    String commit = BenchStudy.commitAll(repo);
    int port = JarProcess.freePort();
    Map<String, String> common =
        Map.of(
            "BACKENDS",
            "test",
            "ALLOW_LOCAL_GIT_REPOS",
            "true",
            "JOB_LOOP_INTERVAL",
            "1.0",
            "LOCAL_IMAGES_ONLY",
            "true");
    Map<String, String> ctl = BenchStudy.controllerEnv(common, tmp.resolve("ctl"), port);
    Map<String, String> ag =
        BenchStudy.agentEnv(common, tmp.resolve("agent"), port, JarProcess.freePort());
    ag.put("TZ", "UTC"); // log timestamps are parsed as UTC
    // JVM ergonomics of the deployment (see JVM_OPTIONS), reproduced outside a container;
    // override with RAP_BENCH_JAVA_OPTIONS ("" = JVM defaults)
    String jvm = System.getenv().getOrDefault("RAP_BENCH_JAVA_OPTIONS", JVM_OPTIONS);
    if (!jvm.isBlank()) {
      ctl.put("JAVA_TOOL_OPTIONS", jvm);
      ag.put("JAVA_TOOL_OPTIONS", jvm);
    }
    if (JarProcess.run(ctl, "migrate").exit() != 0) {
      throw new IllegalStateException("migrate failed");
    }
    try (JarProcess controller = JarProcess.start(ctl, "--role=controller");
        JarProcess agent = JarProcess.start(ag, "--role=agent")) {
      controller.awaitStatus(
          "http://localhost:" + port + "/health/ready", 200, Duration.ofSeconds(60));
      String api = "http://localhost:" + port + "/controller/v1/";
      List<Long> firstReports = new ArrayList<>();
      List<Long> createRequests = new ArrayList<>();
      List<Long> total = new ArrayList<>();
      List<Long> docker = new ArrayList<>();
      Map<String, Long> createdAtMs = new LinkedHashMap<>();
      for (int i = 1 - warmup; i <= rounds; i++) {
        String rap = JobIds.newRapId();
        long createMs = System.currentTimeMillis();
        long t0 = System.nanoTime();
        BenchStudy.post(
            api + "rap/create/",
            BenchStudy.create(rap, "bench", repo.toString(), commit, List.of("trivial")));
        long createdNs = System.nanoTime() - t0;
        long firstReport = -1;
        while (true) {
          JsonObject job =
              BenchStudy.post(
                      api + "rap/status/",
                      new JsonObject().put("rap_ids", new JsonArray().add(rap)))
                  .getJsonArray("jobs")
                  .getJsonObject(0);
          String code = job.getString("status_code");
          if (firstReport < 0 && !List.of("created", "initiated").contains(code)) {
            firstReport = System.nanoTime() - t0;
          }
          if (i > 0) { // rounds up to 0 warm up
            createdAtMs.putIfAbsent(JobIds.runJobTaskId(job.getString("identifier"), 1), createMs);
          }
          if (List.of("succeeded", "failed").contains(job.getString("status"))) {
            if (!"succeeded".equals(job.getString("status"))) {
              throw new IllegalStateException(job.encode());
            }
            break;
          }
          Thread.sleep(10);
        }
        long t1 = System.nanoTime() - t0;
        long d0 = System.nanoTime();
        Process p =
            new ProcessBuilder(
                    "docker",
                    "run",
                    "--rm",
                    "--network",
                    "none",
                    "ghcr.io/opensafely-core/python:v2",
                    "sh",
                    "-c",
                    CMD)
                .start();
        p.waitFor();
        long d1 = System.nanoTime() - d0;
        if (i > 0) { // rounds up to 0 warm up
          firstReports.add(firstReport / 1_000_000);
          createRequests.add(createdNs / 1_000_000);
          total.add(t1 / 1_000_000);
          docker.add(d1 / 1_000_000);
        }
      }
      List<Long> overhead = new ArrayList<>();
      for (int i = 0; i < total.size(); i++) {
        overhead.add(total.get(i) - docker.get(i));
      }
      long controllerRss = rssMb(controller.process.pid());
      long agentRss = rssMb(agent.process.pid());
      Map<String, Long> received = receivedAtMs(agent.output());
      List<Long> dispatch = new ArrayList<>();
      createdAtMs.forEach(
          (task, created) -> {
            Long at = received.get(task);
            if (at == null) {
              throw new IllegalStateException(
                  "no 'Received runjob task " + task + "' line in the agent log " + agent.log);
            }
            dispatch.add(at - created);
          });
      JsonObject out =
          new JsonObject()
              .put("rounds", rounds)
              .put("warmup_rounds", warmup)
              .put("dispatch_ms_median", Stats.median(dispatch))
              .put("dispatch_ms_p99", Stats.percentile(dispatch, 99))
              .put("dispatch_ms_max", Stats.percentile(dispatch, 100))
              .put("create_request_ms_median", Stats.median(createRequests))
              .put("create_to_first_agent_report_in_status_ms_median", Stats.median(firstReports))
              .put("trivial_job_total_ms_median", Stats.median(total))
              .put("docker_run_rm_ms_median", Stats.median(docker))
              .put("per_job_overhead_ms_median", Stats.median(overhead))
              .put("per_job_overhead_ms_p90", Stats.percentile(overhead, 90))
              .put("controller_rss_mb", controllerRss)
              .put("agent_rss_mb", agentRss)
              .put("jvm_options", jvm);
      System.out.println(out.encodePrettily());
      controller.terminate();
      agent.terminate();
    }
  }

  private static final Pattern RECEIVED =
      Pattern.compile(
          "(\\d{4}-\\d\\d-\\d\\d)[T ](\\d\\d:\\d\\d:\\d\\d\\.\\d{3})Z?\\s.*Received runjob task (\\S+)");

  /** Task id → epoch ms of the agent's first "Received runjob task" log line for it. */
  static Map<String, Long> receivedAtMs(String agentLog) {
    Map<String, Long> out = new HashMap<>();
    for (String line : agentLog.split("\n")) {
      Matcher m = RECEIVED.matcher(line);
      if (m.find()) {
        // text log lines: "2026-11-22 08:03:21.365Z ..." (older format: ISO with T)
        long ms =
            LocalDateTime.parse(m.group(1) + "T" + m.group(2))
                .toInstant(ZoneOffset.UTC)
                .toEpochMilli();
        out.putIfAbsent(m.group(3), ms);
      }
    }
    return out;
  }

  private static long rssMb(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
      }
    }
    return -1;
  }
}

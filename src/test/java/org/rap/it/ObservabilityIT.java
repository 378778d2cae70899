package org.rap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.model.JobIds;
import org.rap.testing.OtlpCollector;
import org.rap.testing.PromQl;

/**
 * Issue 8 acceptance for metrics, traces and logs: controller and agent jars on SQLite and the real
 * Docker engine, every token configured, an OTLP collector stand-in. During the run both {@code
 * /metrics} endpoints show the listed metrics moving; the collector receives each job's spans under
 * the trace id that RAP status returns in {@code trace_context}; no configured token appears
 * anywhere in either process's logs (text on the controller, JSON on the agent).
 */
class ObservabilityIT {
  private static final String CLIENT_TOKEN = "rap-client-token-7f3a9c-0d1e2f3a4b5c";
  private static final String OTHER_CLIENT_TOKEN = "second-client-token-19be-6d7e8f9a0b";
  private static final String AGENT_TOKEN = "task-api-token-c41d22-1a2b3c4d5e6f7a";
  private static final String REPO_TOKEN = "ghp_privaterepotoken0042";
  private static final String OTLP_KEY = "honeycomb-api-key-5e6f";
  private static final List<String> SECRETS =
      List.of(CLIENT_TOKEN, OTHER_CLIENT_TOKEN, AGENT_TOKEN, REPO_TOKEN, OTLP_KEY);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path tmp;
  private JarProcess controller;
  private JarProcess agent;
  private OtlpCollector collector;
  private String commit;

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.terminate();
    }
    if (controller != null) {
      controller.terminate();
    }
    if (collector != null) {
      collector.close();
    }
  }

  @Test
  void metricsTracesAndLogsOfAFullRun() throws Exception {
    collector = new OtlpCollector();
    String repo = makeStudyRepo();
    int controllerPort = JarProcess.freePort();
    int agentPort = JarProcess.freePort();
    Map<String, String> common = new HashMap<>();
    common.put("BACKENDS", "test");
    common.put("ALLOW_LOCAL_GIT_REPOS", "true");
    common.put("LOCAL_IMAGES_ONLY", "true");
    common.put("JOB_LOOP_INTERVAL", "1.0");
    common.put("LOGLEVEL", "DEBUG");
    common.put("PRIVATE_REPO_ACCESS_TOKEN", REPO_TOKEN);
    common.put("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint());
    common.put("OTEL_EXPORTER_OTLP_HEADERS", "x-honeycomb-team=" + OTLP_KEY);
    Map<String, String> ctl = new HashMap<>(common);
    ctl.put("WORKDIR", Files.createDirectories(tmp.resolve("controller")).toString());
    ctl.put("DATABASE_URL", "sqlite:" + tmp.resolve("controller/db.sqlite"));
    ctl.put("CONTROLLER_PORT", String.valueOf(controllerPort));
    ctl.put("TEST_CLIENT_TOKENS", CLIENT_TOKEN + "," + OTHER_CLIENT_TOKEN);
    ctl.put("TEST_JOB_SERVER_TOKEN", AGENT_TOKEN);
    ctl.put("CONTROLLER_ALLOWED_HOSTS", "localhost");
    ctl.put("MAINTENANCE_ENABLED_BACKENDS", "");
    ctl.put("DATA_CHECK_ENABLED_BACKENDS", "");
    ctl.put("OTEL_SERVICE_NAME", "rap-controller");
    ctl.put("TICK_POLL_INTERVAL", "1");
    JarProcess.Result migrated = JarProcess.run(ctl, "migrate");
    assertEquals(0, migrated.exit(), migrated.output());
    controller = JarProcess.start(ctl, "--role=controller");
    Map<String, String> ag = new HashMap<>(common);
    Path agentWorkdir = Files.createDirectories(tmp.resolve("agent"));
    ag.put("WORKDIR", agentWorkdir.toString());
    ag.put("BACKEND", "test");
    ag.put("CONTROLLER_TASK_API_ENDPOINT", "http://localhost:" + controllerPort + "/");
    ag.put("CONTROLLER_TASK_API_TOKEN", AGENT_TOKEN);
    ag.put("USING_DUMMY_DATA_BACKEND", "true");

    ag.put("AGENT_PORT", String.valueOf(agentPort));
    ag.put("STATS_POLL_INTERVAL", "1");
    ag.put("LOG_FORMAT", "json");
    agent = JarProcess.start(ag, "--role=agent");
    String ctlBase = "http://localhost:" + controllerPort + "/";
    String agentBase = "http://localhost:" + agentPort + "/";
    assertEquals(
        200,
        controller.awaitStatus(ctlBase + "health/ready", 200, Duration.ofSeconds(60)),
        controller.output());
    assertEquals(
        200,
        agent.awaitStatus(agentBase + "health/live", 200, Duration.ofSeconds(60)),
        agent.output());

    Map<String, Double> ctl0 = scrape(ctlBase + "metrics");
    Map<String, Double> ag0 = scrape(agentBase + "metrics");

    // a RAP: a chain of three actions and a slow one whose container the agent samples
    String rapId = JobIds.newRapId();
    JsonObject created =
        post(ctlBase, "rap/create/", createBody(rapId, repo, List.of("report", "slow")), 201);
    assertEquals(4, created.getInteger("count"), created.encode());

    // while the slow job runs, the agent reports its container
    Map<String, Double> agRunning = null;
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline) {
      Map<String, Double> m = scrape(agentBase + "metrics");
      if (m.keySet().stream().anyMatch(k -> k.startsWith("rap_job_cpu_usage_ratio{"))
          && value(m, "rap_agent_running_containers") >= 1) {
        agRunning = m;
        break;
      }
      Thread.sleep(200);
    }
    assertTrue(agRunning != null, "no container gauges seen\n" + agent.output());
    assertTrue(
        agRunning.keySet().stream()
            .anyMatch(k -> k.startsWith("rap_job_memory_bytes{") && k.contains("job_id=")));
    Map<String, Double> ctlRunning = scrape(ctlBase + "metrics"); // the slow job still runs

    JsonArray jobs = awaitFinal(ctlBase, rapId);
    for (Object o : jobs) {
      assertEquals(
          "succeeded",
          ((JsonObject) o).getString("status"),
          ((JsonObject) o).encode() + controller.output());
    }
    Map<String, Double> ctl1 = scrape(ctlBase + "metrics");
    Map<String, Double> ag1 = scrape(agentBase + "metrics");

    System.out.println(
        "--- controller /metrics (rap_*)\n"
            + keysWithValues(ctl1, "rap_")
            + "\n"
            + keysWithValues(ctl1, "vertx_http_server_requests_total"));
    System.out.println(
        "--- agent /metrics (rap_*)\n"
            + keysWithValues(ag1, "rap_")
            + "\n--- agent while the slow job ran\n"
            + keysWithValues(agRunning, "rap_job_"));
    // --- controller metrics moved
    assertTrue(
        sum(
                ctl1,
                "vertx_http_server_requests_total",
                "route=\"/controller/v1/>/rap/create\"",
                "code=\"201\"")
            >= 1,
        keys(ctl1, "vertx_http_server_requests_total"));
    assertTrue(
        sum(
                ctl1,
                "vertx_http_server_requests_total",
                "route=\"/controller/v1/>/rap/status\"",
                "code=\"200\"")
            >= 1,
        keys(ctl1, "vertx_http_server_requests_total"));
    assertTrue(
        sum(ctl1, "vertx_http_server_requests_total", "route=\"/:backend/tasks/\"")
            > sum(ctl0, "vertx_http_server_requests_total", "route=\"/:backend/tasks/\""),
        keys(ctl1, "vertx_http_server_requests_total"));
    assertTrue(sum(ctl1, "rap_tasks_dispatched_total", "task_type=\"runjob\"") >= 4);
    assertEquals(0, sum(ctl0, "rap_tasks_dispatched_total"));
    assertTrue(
        sum(ctl1, "rap_scheduler_loop_seconds_count")
            > sum(ctl0, "rap_scheduler_loop_seconds_count"));
    assertTrue(sum(ctl1, "rap_job_status_changes_total", "status_code=\"succeeded\"") >= 4);
    assertTrue(
        ctl1.keySet().stream()
            .anyMatch(k -> k.startsWith("rap_jobs{") && k.contains("state=\"pending\"")),
        keys(ctl1, "rap_jobs"));
    assertTrue(
        ctl1.keySet().stream().anyMatch(k -> k.startsWith("rap_queue_age_seconds{")),
        keys(ctl1, "rap_queue"));
    assertTrue(
        ctlRunning.keySet().stream().anyMatch(k -> k.startsWith("rap_jobs_by_status_code{")),
        keys(ctlRunning, "rap_jobs"));
    assertTrue(sum(ctlRunning, "rap_jobs", "state=\"running\"") >= 1, keys(ctlRunning, "rap_jobs"));
    assertTrue(
        ctl1.containsKey("rap_long_poll_waiters{rap_service=\"controller\"}"),
        keys(ctl1, "rap_long_poll"));
    assertTrue(
        sum(ctl1, "rap_git_call_seconds_count", "operation=\"fetch\"") >= 1, keys(ctl1, "rap_git"));
    // --- agent metrics moved
    assertTrue(
        sum(ag1, "rap_docker_call_seconds_count", "operation=\"POST containers/create\"") >= 4,
        keys(ag1, "rap_docker"));
    assertTrue(
        sum(ag1, "rap_docker_call_seconds_count") > sum(ag0, "rap_docker_call_seconds_count"));
    assertTrue(
        sum(ag1, "rap_git_call_seconds_count", "operation=\"checkout\"") >= 1,
        keys(ag1, "rap_git"));
    assertTrue(
        ag1.containsKey("rap_agent_running_containers{rap_service=\"agent\"}"),
        keys(ag1, "rap_agent"));
    assertTrue(
        sum(ag1, "vertx_http_client_requests_total") > sum(ag0, "vertx_http_client_requests_total"),
        "task API calls");
    // --- the shipped dashboard and alert rules read only metrics these processes serve
    Set<String> exposed = new TreeSet<>();
    for (Map<String, Double> m : List.of(ctl1, ag1, agRunning, ctlRunning)) {
      m.keySet().forEach(k -> exposed.add(k.contains("{") ? k.substring(0, k.indexOf('{')) : k));
    }
    Set<String> missing = new TreeSet<>(PromQl.assetMetricNames());
    missing.removeAll(exposed);
    assertEquals(Set.of(), missing, "dashboard/alert metrics not on /metrics; exposed: " + exposed);
    assertTrue(
        ctl1.keySet().stream()
            .anyMatch(
                k ->
                    k.startsWith("rap_scheduler_loop_seconds_bucket{")
                        && k.contains("le=\"0.005\"")),
        "latency histograms with buckets: " + keys(ctl1, "rap_scheduler_loop"));
    assertTrue(
        exposed.stream().noneMatch(n -> n.endsWith("_percent") || n.endsWith("_ms_total")),
        "base units only: " + exposed);
    String agentText = JarProcess.body(agentBase + "metrics");
    assertFalse(agentText.contains("output/"), "no file names in agent metrics");

    // --- traces: every job's spans under the trace id RAP status returns
    for (Object o : jobs) {
      JsonObject job = (JsonObject) o;
      String traceparent = job.getJsonObject("trace_context").getString("traceparent");
      Matcher m = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-01").matcher(traceparent);
      assertTrue(m.matches(), traceparent);
      long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      List<OtlpCollector.Span> spans = collector.spansOfTrace(m.group(1));
      while (spans.stream().noneMatch(s -> s.name().equals("JOB")) && System.nanoTime() < until) {
        Thread.sleep(200);
        spans = collector.spansOfTrace(m.group(1));
      }
      Set<String> names = new TreeSet<>(spans.stream().map(OtlpCollector.Span::name).toList());
      assertTrue(
          names.containsAll(Set.of("JOB", "SUCCEEDED", "CREATED", "INITIATED")),
          job.getString("action") + ": " + names);
      if (job.getString("action").equals("slow")) {
        assertTrue(names.contains("EXECUTING"), names.toString()); // a pass saw it executing: 6 s
      }
      OtlpCollector.Span root =
          spans.stream().filter(s -> s.name().equals("JOB")).findFirst().orElseThrow();
      assertEquals(m.group(2), root.spanId());
      assertEquals(job.getString("identifier"), root.attributes().get("job.id"));
      assertEquals("rap-controller", root.resource().get("service.name"));
      for (OtlpCollector.Span s : spans) {
        if (!s.name().equals("JOB")) {
          assertEquals(m.group(2), s.parentSpanId(), s.name());
        }
      }
    }
    // --- the whole job across both processes: the controller's passes (LOOP_JOB) and the agent's
    // handlings (LOOP_TASK) of every job link to its trace
    // the agent's last spans of a job end after its last report: give its exporter a moment
    long spansDeadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < spansDeadline
        && collector.spans().stream()
                .filter(
                    x ->
                        x.name().equals("LOOP_TASK")
                            && "finalized".equals(x.attributes().get("final_job_status")))
                .count()
            < jobs.size()) {
      Thread.sleep(200);
    }
    List<OtlpCollector.Span> all = collector.spans();
    for (Object o : jobs) {
      JsonObject job = (JsonObject) o;
      String id = job.getString("identifier");
      Matcher m =
          Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-01")
              .matcher(job.getJsonObject("trace_context").getString("traceparent"));
      assertTrue(m.matches());
      List<OtlpCollector.Span> linked =
          all.stream().filter(s -> s.linksTo(m.group(1), m.group(2))).toList();
      List<OtlpCollector.Span> loopJobs =
          linked.stream().filter(s -> s.name().equals("LOOP_JOB")).toList();
      assertFalse(loopJobs.isEmpty(), id + ": LOOP_JOB spans " + names(linked));
      assertTrue(
          loopJobs.stream()
              .allMatch(
                  s ->
                      id.equals(s.attributes().get("job.id"))
                          && "controller".equals(s.resource().get("rap.service"))),
          id + ": LOOP_JOB attributes");
      assertTrue(
          loopJobs.stream()
              .anyMatch(
                  s ->
                      "PENDING".equals(s.attributes().get("job.initial_state"))
                          && "INITIATED".equals(s.attributes().get("job.final_code"))),
          id + ": a pass started the job (" + loopJobs.size() + " LOOP_JOB spans)");
      List<OtlpCollector.Span> tasks =
          linked.stream().filter(s -> s.name().equals("LOOP_TASK")).toList();
      assertFalse(tasks.isEmpty(), id + ": LOOP_TASK spans " + names(linked));
      for (OtlpCollector.Span t : tasks) {
        assertEquals("agent", t.resource().get("rap.service"), t.toString());
        assertEquals(id, t.attributes().get("job"));
        assertEquals("RUNJOB", t.attributes().get("task_type"));
        assertEquals("alice", t.attributes().get("user"));
        assertEquals("demo", t.attributes().get("workspace"));
        OtlpCollector.Span parent =
            all.stream()
                .filter(s -> s.spanId().equals(t.parentSpanId()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no AGENT_LOOP parent of " + t));
        assertEquals("AGENT_LOOP", parent.name());
        // the command line (args) is on the span, as in the job-runner; results never name outputs
        Map<String, Object> noArgs = new HashMap<>(t.attributes());
        noArgs.remove("args");
        assertFalse(noArgs.toString().contains("output/"), "no output names on spans: " + noArgs);
      }
      assertTrue(
          tasks.stream()
              .anyMatch(
                  t ->
                      "finalized".equals(t.attributes().get("final_job_status"))
                          && Boolean.TRUE.equals(t.attributes().get("complete"))
                          && "0".equals(String.valueOf(t.attributes().get("exit_code")))),
          id + ": the handling that finished it " + tasks);
    }
    assertTrue(
        all.stream()
            .anyMatch(
                s -> s.name().equals("AGENT_LOOP") && s.attributes().containsKey("handled_tasks")),
        "AGENT_LOOP spans");
    String slowId =
        jobs.stream()
            .map(JsonObject.class::cast)
            .filter(j -> j.getString("action").equals("slow"))
            .findFirst()
            .orElseThrow()
            .getString("identifier");
    assertTrue(
        all.stream()
            .anyMatch(
                s ->
                    s.name().equals("METRICS")
                        && slowId.equals(s.attributes().get("job"))
                        && s.attributes().containsKey("cpu_peak")
                        && all.stream()
                            .anyMatch(
                                p ->
                                    p.spanId().equals(s.parentSpanId())
                                        && p.name().equals("METRICS_TICK"))),
        "METRICS spans of the slow job under METRICS_TICK");
    assertTrue(
        collector.spans().stream().anyMatch(s -> s.name().equals("LOOP")), "scheduler LOOP spans");
    assertTrue(collector.spans().stream().anyMatch(s -> s.name().equals("TICK")), "TICK spans");

    // --- logs: tags, formats, and never a secret
    agent.terminate();
    controller.terminate();
    String ctlLog = controller.output();
    String agLog = agent.output();
    agent = null;
    controller = null;
    for (String secret : SECRETS) {
      assertFalse(ctlLog.contains(secret), "controller log shows " + secret);
      assertFalse(agLog.contains(secret), "agent log shows " + secret);
    }
    Pattern textLine =
        Pattern.compile(
            "^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z \\S+ (DEBUG|INFO|WARNING|ERROR) .*");
    assertTrue(
        ctlLog
            .lines()
            .anyMatch(
                l ->
                    textLine.matcher(l).matches()
                        && l.contains(" status=succeeded workspace=demo action=report id=")),
        ctlLog);
    long jsonLines = 0;
    for (String line : agLog.lines().toList()) {
      if (line.startsWith("{")) {
        JsonObject o = new JsonObject(line);
        assertTrue(
            o.getString("time").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"),
            line);
        jsonLines++;
      }
    }
    assertTrue(jsonLines > 0, agLog);
    assertTrue(
        agLog
            .lines()
            .filter(l -> l.startsWith("{"))
            .map(JsonObject::new)
            .anyMatch(
                o ->
                    o.getString("message", "").startsWith("State change for job")
                        && o.containsKey("task")
                        && "runjob".equals(o.getString("task_type"))),
        agLog);
  }

  // ------------------------------------------------------------------------------------------

  /** Prometheus text: {@code name{labels}} to value. */
  private static Map<String, Double> scrape(String url) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    Map<String, Double> out = new HashMap<>();
    for (String line : r.body().lines().toList()) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    return out;
  }

  private static double sum(Map<String, Double> m, String name, String... labels) {
    return m.entrySet().stream()
        .filter(e -> e.getKey().equals(name) || e.getKey().startsWith(name + "{"))
        .filter(e -> Stream.of(labels).allMatch(e.getKey()::contains))
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }

  private static String names(List<OtlpCollector.Span> spans) {
    return new TreeSet<>(spans.stream().map(OtlpCollector.Span::name).toList()).toString();
  }

  private static double value(Map<String, Double> m, String name) {
    return sum(m, name);
  }

  private static String keysWithValues(Map<String, Double> m, String prefix) {
    return String.join(
        "\n",
        new TreeSet<>(
            m.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix))
                .map(e -> e.getKey() + " " + e.getValue())
                .toList()));
  }

  private static String keys(Map<String, Double> m, String prefix) {
    return String.join(
        "\n", new TreeSet<>(m.keySet().stream().filter(k -> k.startsWith(prefix)).toList()));
  }

  private JsonArray awaitFinal(String base, String rapId) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    JsonArray jobs = new JsonArray();
    while (System.nanoTime() < deadline) {
      jobs =
          post(
                  base,
                  "rap/status/",
                  new JsonObject().put("rap_ids", new JsonArray().add(rapId)),
                  200)
              .getJsonArray("jobs");
      if (!jobs.isEmpty()
          && jobs.stream()
              .allMatch(
                  o ->
                      List.of("succeeded", "failed")
                          .contains(((JsonObject) o).getString("status")))) {
        return jobs;
      }
      Thread.sleep(250);
    }
    throw new AssertionError(
        "timed out: " + jobs.encodePrettily() + "\n" + controller.output() + "\n" + agent.output());
  }

  private static JsonObject post(String base, String path, JsonObject body, int expected)
      throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + "controller/v1/" + path))
                .header("Authorization", CLIENT_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(expected, r.statusCode(), path + " -> " + r.body());
    return new JsonObject(r.body());
  }

  private JsonObject createBody(String rapId, String repo, List<String> actions) {
    return new StudyRepo(Path.of(repo), commit).createBody(rapId, "demo", actions);
  }

  /** The demo study plus a slow action, committed on {@code main}. */
  private String makeStudyRepo() throws Exception {
    StudyRepo study =
        StudyRepo.demoWith(
            tmp.resolve("study"),
            "\n  slow:\n"
                + "    run: python:v2 sh -c 'sleep 6; mkdir -p output; echo a > output/slow.csv'\n"
                + "    outputs:\n"
                + "      moderately_sensitive:\n"
                + "        slow: output/slow.csv\n");
    commit = study.commit();
    return study.dir().toString();
  }
}

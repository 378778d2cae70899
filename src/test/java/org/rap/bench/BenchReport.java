package org.rap.bench;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The summary of {@code make bench}: reads the combined output of the benchmarks (sections starting
 * with {@code === <command>}), prints the figures side by side with their targets and PASS/FAIL,
 * and writes them as one JSON object (figures with value, unit, target, pass; git commit, date,
 * machine cores and load). A figure that could not be read from the output is reported as missing
 * and fails.
 *
 * <p>Usage: {@code BenchReport <raw output> <json file>}; system property {@code bench.commit}.
 */
public final class BenchReport {

  /** One figure; {@code target} null: shown for information, no pass/fail. */
  record Figure(
      String key, String label, Double value, String unit, String comparison, Double target) {
    Boolean pass() {
      if (target == null) {
        return null;
      }
      if (value == null) {
        return false;
      }
      return switch (comparison) {
        case "<" -> value < target;
        case "<=" -> value <= target;
        default -> value >= target;
      };
    }

    JsonObject toJson() {
      return new JsonObject()
          .put("label", label)
          .put("value", value)
          .put("unit", unit)
          .put("target", target == null ? null : comparison + " " + fmt(target) + " " + unit)
          .put("pass", pass());
    }
  }

  public static void main(String[] args) throws Exception {
    String raw = Files.readString(Path.of(args[0]));
    Path json = Path.of(args[1]);
    Map<String, String> sections = sections(raw);
    List<Figure> figures = figures(sections);
    print(figures);
    JsonObject out =
        new JsonObject()
            .put("commit", System.getProperty("bench.commit", "unknown"))
            .put("date", Instant.now().toString())
            .put("cores", Runtime.getRuntime().availableProcessors())
            .put("load_average_at_start", loadAtStart(raw))
            .put("load_average_at_end", Files.readString(Path.of("/proc/loadavg")).split(" ")[0])
            .put("raw_output", args[0]);
    JsonObject fig = new JsonObject();
    figures.forEach(f -> fig.put(f.key(), f.toJson()));
    out.put("figures", fig);
    boolean all = figures.stream().allMatch(f -> f.pass() == null || f.pass());
    out.put("all_pass", all);
    Files.createDirectories(json.toAbsolutePath().getParent());
    Files.writeString(json, out.encodePrettily() + "\n");
    System.out.println("written to " + json);
  }

  /** Command line after {@code ===} → its output. */
  static Map<String, String> sections(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    String head = null;
    StringBuilder body = new StringBuilder();
    for (String line : raw.split("\n", -1)) {
      if (line.startsWith("=== ")) {
        if (head != null) {
          out.put(head, body.toString());
        }
        head = line.substring(4).strip();
        body.setLength(0);
      } else {
        body.append(line).append('\n');
      }
    }
    if (head != null) {
      out.put(head, body.toString());
    }
    return out;
  }

  static List<Figure> figures(Map<String, String> sections) {
    List<Figure> f = new ArrayList<>();
    JsonObject system = json(section(sections, "SystemBench"));
    f.add(
        new Figure(
            "a_dispatch_p50_ms",
            "(a) dispatch rap/create -> agent has task, p50",
            number(system, "dispatch_ms_median"),
            "ms",
            "<",
            20.0));
    f.add(
        new Figure(
            "a_dispatch_p99_ms",
            "(a) dispatch rap/create -> agent has task, p99",
            number(system, "dispatch_ms_p99"),
            "ms",
            "<",
            null));
    f.add(
        new Figure(
            "b_per_job_overhead_ms",
            "(b) per-job overhead (trivial job - docker run --rm), median",
            number(system, "per_job_overhead_ms_median"),
            "ms",
            "<",
            250.0));
    String sched = section(sections, "SchedulerPassBench");
    f.add(
        new Figure(
            "c_scheduler_pass_10k_ms",
            "(c) scheduler pass, 10,000 active jobs (PostgreSQL), median",
            find(sched, "steady-state pass \\(no changes\\): median ([\\d.]+) ms"),
            "ms",
            "<",
            100.0));
    f.add(
        new Figure(
            "c_scheduler_pass_10k_changing_ms",
            "    pass with 1% of running jobs reporting, median",
            find(sched, "pass with 1% of running jobs reporting a new stage: median ([\\d.]+) ms"),
            "ms",
            "<",
            null));
    f.add(
        new Figure(
            "c_scheduler_keepalive_pass_10k_ms",
            "(c) passes while 10,000 keep-alives fall due at once, p90",
            find(sched, "pass during the keep-alive burst: median [\\d.]+ ms, p90 ([\\d.]+) ms"),
            "ms",
            "<",
            100.0));
    String sched100k = section(sections, "SchedulerPassBench postgresql 100000");
    f.add(
        new Figure(
            "c_scheduler_pass_100k_ms",
            "(c) scheduler pass, 100,000 active jobs, 1% of running jobs reporting, median",
            find(
                sched100k,
                "pass with 1% of running jobs reporting a new stage: median ([\\d.]+) ms"),
            "ms",
            "<",
            100.0));
    f.add(
        new Figure(
            "c_scheduler_pass_100k_p99_ms",
            "    the same, p99",
            find(
                sched100k,
                "pass with 1% of running jobs reporting a new stage: median [\\d.]+ ms,"
                    + " p90 [\\d.]+ ms, p99 ([\\d.]+) ms"),
            "ms",
            "<",
            null));
    f.add(
        new Figure(
            "c_scheduler_full_pass_100k_ms",
            "    full-read pass (every job read and decided; the baseline), median",
            find(sched100k, "full-read pass \\([^)]*\\): median ([\\d.]+) ms"),
            "ms",
            "<",
            null));
    f.add(
        new Figure(
            "c_scheduler_finishing_pass_100k_ms",
            "    10 running jobs finish, 10 waiting jobs start, median",
            find(sched100k, "10 waiting jobs starting: median ([\\d.]+) ms"),
            "ms",
            "<",
            null));
    String fleet = section(sections, "FleetBench");
    f.add(
        new Figure(
            "f_fleet_throughput_ratio",
            "(f) fleet throughput, RAP / plain docker run --rm, same parallelism",
            find(fleet, "fleet throughput ratio \\(RAP / plain docker\\): ([\\d.]+)"),
            "",
            ">=",
            0.75));
    for (String dialect : List.of("sqlite", "postgresql")) {
      String api = section(sections, "RapApiBench " + dialect);
      f.add(
          new Figure(
              "d_status_1000_ids_" + dialect + "_ms",
              "(d) rap/status/ 1,000 ids / 5,000 jobs, " + dialect + ", median",
              find(api, "rap/status/ 1000 ids -> \\d+ jobs[^:]*: median ([\\d.]+) ms"),
              "ms",
              "<",
              50.0));
      f.add(
          new Figure(
              "d_status_throughput_" + dialect + "_rps",
              "(d) rap/status/ throughput (1 RAP, 32 connections), " + dialect,
              throughput(api),
              "req/s",
              ">=",
              2000.0));
      f.add(
          new Figure(
              "d_status_throughput_" + dialect + "_first_10s_rps",
              "    the same in the first run after start (JIT warm-up), " + dialect,
              find(
                  api,
                  "warm-up, not counted: wrk [^\\n]*rap/status/\\n\\s*Requests/sec:\\s+([\\d.]+)"),
              "req/s",
              ">=",
              null));
    }
    String jvm = system.getString("jvm_options", "");
    String after = jvm.isBlank() ? "(JVM defaults)" : "(JVM: " + jvm + ")";
    f.add(
        new Figure(
            "e_controller_rss_mb",
            "(e) controller RSS " + after,
            number(system, "controller_rss_mb"),
            "MB",
            "<",
            256.0));
    f.add(
        new Figure(
            "e_agent_rss_mb",
            "(e) agent RSS " + after,
            number(system, "agent_rss_mb"),
            "MB",
            "<",
            192.0));
    JsonObject local = json(section(sections, "LocalRunBench"));
    f.add(
        new Figure(
            "local_run_ratio",
            "`rap run` 3-action chain, whole process (bin/rap) / 3 chained docker run --rm",
            number(local, "ratio"),
            "x",
            "<=",
            1.5));
    f.add(
        new Figure(
            "local_run_ms",
            "    `rap run` (bin/rap), median",
            number(local, "rap_run_ms_median"),
            "ms",
            "<",
            null));
    f.add(
        new Figure(
            "local_run_floor_ms",
            "    floor: 3 chained docker run --rm, median",
            number(local, "floor_ms_median"),
            "ms",
            "<",
            null));
    f.add(
        new Figure(
            "local_run_java_jar_ratio",
            "    the same as java -jar target/rap.jar / floor",
            number(local, "ratio_java_jar"),
            "x",
            "<",
            null));
    f.add(
        new Figure(
            "version_ms",
            "`rap --version` (bin/rap; java -jar below), median",
            number(local, "version_ms_median"),
            "ms",
            "<",
            null));
    f.add(
        new Figure(
            "version_java_jar_ms",
            "    java -jar target/rap.jar --version, median",
            number(local, "version_java_jar_ms_median"),
            "ms",
            "<",
            null));
    f.add(
        new Figure(
            "check_project_ms",
            "`rap check-project` (bin/rap), median",
            number(local, "check_project_ms_median"),
            "ms",
            "<",
            null));
    f.add(
        new Figure(
            "check_project_java_jar_ms",
            "    java -jar target/rap.jar check-project, median",
            number(local, "check_project_java_jar_ms_median"),
            "ms",
            "<",
            null));
    return f;
  }

  private static String section(Map<String, String> sections, String name) {
    for (Map.Entry<String, String> e : sections.entrySet()) {
      if (e.getKey().contains(name)) {
        return e.getValue();
      }
    }
    return "";
  }

  /** The last JSON object printed in a section (empty when none). */
  static JsonObject json(String text) {
    int end = text.lastIndexOf('}');
    for (int start = text.indexOf('{');
        start >= 0 && start < end;
        start = text.indexOf('{', start + 1)) {
      try {
        return new JsonObject(text.substring(start, end + 1));
      } catch (RuntimeException e) {
        // not the start of the object; try the next brace
      }
    }
    return new JsonObject();
  }

  private static Double number(JsonObject o, String key) {
    Object v = o.getValue(key);
    return v instanceof Number n ? n.doubleValue() : null;
  }

  static Double find(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    return m.find() ? Double.valueOf(m.group(1)) : null;
  }

  /** wrk's Requests/sec of the first run against rap/status/, else the WebClient loop's rate. */
  static Double throughput(String text) {
    int wrk = text.indexOf("$ wrk");
    while (wrk >= 0) {
      int lineEnd = text.indexOf('\n', wrk);
      String cmd = text.substring(wrk, lineEnd < 0 ? text.length() : lineEnd);
      if (cmd.contains("rap/status/") && !cmd.contains("mixed")) {
        return find(text.substring(wrk), "Requests/sec:\\s+([\\d.]+)");
      }
      wrk = text.indexOf("$ wrk", wrk + 1);
    }
    return find(text, "WebClient loop: .* = (\\d+) req/s");
  }

  private static String loadAtStart(String raw) {
    Matcher m = Pattern.compile("load average: ([\\d.]+)").matcher(raw);
    return m.find() ? m.group(1) : null;
  }

  static void print(List<Figure> figures) {
    System.out.println();
    System.out.println("=== make bench summary");
    String row = "%-72s %12s  %-14s %s%n";
    System.out.printf(row, "figure", "value", "target", "result");
    for (Figure f : figures) {
      String value = f.value() == null ? "missing" : fmt(f.value()) + " " + f.unit();
      String target =
          f.target() == null ? "-" : f.comparison() + " " + fmt(f.target()) + " " + f.unit();
      Boolean pass = f.pass();
      System.out.printf(
          row, f.label(), value, target, pass == null ? "(info)" : pass ? "PASS" : "FAIL");
    }
  }

  /**
   * Whole numbers as such; below 10 two decimals (a 0.79 ratio must not read as its 0.75 target).
   */
  static String fmt(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e12) {
      return String.valueOf((long) v);
    }
    return String.format(Locale.ROOT, Math.abs(v) < 10 ? "%.2f" : "%.1f", v);
  }
}

package org.rap.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The make-bench summary reads each benchmark's own output format. */
class BenchReportTest {
  static final String RAW =
      String.join(
          "\n",
          "=== machine: 2 cores, load average: 1.50, 1.00, 0.50, commit abc",
          "=== org.rap.bench.SchedulerPassBench postgresql 10000",
          "steady-state pass (no changes): median 42.5 ms, p90 50.0 ms, min 40.0 ms, max 60.0 ms (n=50)",
          "pass with 1% of running jobs reporting a new stage: median 55.0 ms, p90 60.0 ms, min 50.0 ms, max 70.0 ms (n=50)",
          "keep-alive: 10000 jobs due at once, refreshed by 20 passes",
          "pass during the keep-alive burst: median 65.7 ms, p90 900.0 ms, min 47.8 ms, max 123.4 ms (n=20)",
          "=== org.rap.bench.RapApiBench sqlite 10",
          "rap/status/ 1000 ids -> 5000 jobs (900 KB): median 30.1 ms, p90 35.0 ms, p99 40.0 ms, max 41.0 ms (n=200, sequential)",
          "warm-up, not counted: wrk -t2 -c32 -d10s --latency -s /tmp/w.lua http://127.0.0.1:1/controller/v1/rap/status/",
          "Requests/sec:   1800.50",
          "",
          "$ wrk -t2 -c32 -d10s --latency -s /tmp/x.lua http://127.0.0.1:1/controller/v1/rap/status/",
          "Requests/sec:   5123.45",
          "$ wrk -t2 -c32 -d10s --latency -s /tmp/y.lua http://127.0.0.1:1/controller/v1/backend/status/",
          "Requests/sec:   9999.00",
          "=== org.rap.bench.RapApiBench postgresql 10",
          "rap/status/ 1000 ids -> 5000 jobs (900 KB): median 75.0 ms, p90 80.0 ms (n=200, sequential)",
          "WebClient loop: 10 ok, 0 errors in 10.0 s = 1500 req/s",
          "=== org.rap.bench.LocalRunBench 5",
          "{ \"rounds\": 5, \"ratio\": 1.5, \"floor_ms_median\": 820, \"version_ms_median\": 150 }",
          "=== -Drap.jar=target/rap.jar org.rap.it.SystemBench 20",
          "{",
          "  \"dispatch_ms_median\" : 12, \"dispatch_ms_p99\" : 40, \"per_job_overhead_ms_median\" : 300,",
          "  \"controller_rss_mb\" : 200, \"agent_rss_mb\" : 150",
          "}",
          "");

  @Test
  void readsEveryFigureAndJudgesItAgainstItsTarget() {
    Map<String, BenchReport.Figure> f =
        BenchReport.figures(BenchReport.sections(RAW)).stream()
            .collect(Collectors.toMap(BenchReport.Figure::key, x -> x));
    assertEquals(12.0, f.get("a_dispatch_p50_ms").value());
    assertTrue(f.get("a_dispatch_p50_ms").pass());
    assertNull(f.get("a_dispatch_p99_ms").pass(), "p99 has no target");
    assertFalse(f.get("b_per_job_overhead_ms").pass());
    assertEquals(42.5, f.get("c_scheduler_pass_10k_ms").value());
    assertEquals(900.0, f.get("c_scheduler_keepalive_pass_10k_ms").value());
    assertFalse(f.get("c_scheduler_keepalive_pass_10k_ms").pass());
    assertEquals(30.1, f.get("d_status_1000_ids_sqlite_ms").value());
    assertEquals(5123.45, f.get("d_status_throughput_sqlite_rps").value());
    assertTrue(f.get("d_status_throughput_sqlite_rps").pass());
    assertEquals(
        1800.5,
        f.get("d_status_throughput_sqlite_first_10s_rps").value(),
        "the warm-up run, as info");
    assertNull(f.get("d_status_throughput_sqlite_first_10s_rps").pass());
    assertNull(f.get("d_status_throughput_postgresql_first_10s_rps").value());
    assertFalse(f.get("d_status_1000_ids_postgresql_ms").pass());
    assertEquals(1500.0, f.get("d_status_throughput_postgresql_rps").value());
    assertFalse(f.get("d_status_throughput_postgresql_rps").pass());
    assertTrue(f.get("e_controller_rss_mb").pass());
    assertTrue(f.get("e_agent_rss_mb").pass());
    assertTrue(f.get("local_run_ratio").pass(), "at most 1.5x");
    assertEquals(820.0, f.get("local_run_floor_ms").value());
    assertNull(f.get("local_run_floor_ms").pass());
    assertEquals(150.0, f.get("version_ms").value());
  }

  @Test
  void aMissingFigureFails() {
    List<BenchReport.Figure> f = BenchReport.figures(BenchReport.sections("=== nothing\n"));
    assertTrue(
        f.stream().filter(x -> x.target() != null).allMatch(x -> x.value() == null && !x.pass()));
  }
}

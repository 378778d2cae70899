package org.rap.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.rap.common.model.Job;
import org.rap.common.model.JobIds;
import org.rap.common.model.JobSpec;
import org.rap.common.model.JobStatus;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.pipeline.Action;
import org.rap.common.pipeline.Pipeline;
import org.rap.controller.planning.CreateRequest;
import org.rap.controller.planning.JobPlanner;
import org.rap.controller.planning.Plan;

/**
 * Plain benchmark of {@link JobPlanner} on 200-action projects (a chain and a fan-out), with an
 * empty workspace and with a workspace where half of the actions already succeeded. Prints the
 * median and 99th percentile per scenario.
 *
 * <p>Run: {@code mvn -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt &&
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) org.rap.bench.PlannerBench}
 */
public final class PlannerBench {
  private static final int ACTIONS = 200;
  private static final int WARMUP = 2000;
  private static final int RUNS = 2000;

  public static void main(String[] args) throws Exception {
    Pipeline chain = project(true);
    Pipeline fan = project(false);
    System.out.printf(
        "JobPlanner, %d actions, %d runs after %d warm-up runs (ms)%n", ACTIONS, RUNS, WARMUP);
    run("chain, run_all, empty workspace", chain, List.of("run_all"), Map.of());
    run("chain, last action, empty workspace", chain, List.of("a199"), Map.of());
    run("chain, run_all, half succeeded", chain, List.of("run_all"), halfSucceeded(chain));
    run("fan-out, run_all, empty workspace", fan, List.of("run_all"), Map.of());
    run("fan-out, sink action, empty workspace", fan, List.of("a199"), Map.of());
    run("fan-out, run_all, half succeeded", fan, List.of("run_all"), halfSucceeded(fan));
  }

  /** chain: a_i needs a_(i-1); fan-out: a0 is the root, a1..a198 need a0, a199 needs all. */
  private static Pipeline project(boolean chain) {
    Map<String, Action> actions = new LinkedHashMap<>();
    for (int i = 0; i < ACTIONS; i++) {
      List<String> needs;
      if (i == 0) {
        needs = List.of();
      } else if (chain) {
        needs = List.of("a" + (i - 1));
      } else if (i == ACTIONS - 1) {
        needs = new ArrayList<>();
        for (int j = 1; j < ACTIONS - 1; j++) {
          needs.add("a" + j);
        }
      } else {
        needs = List.of("a0");
      }
      boolean db = i == 0;
      List<String> run =
          db
              ? List.of(
                  "ehrql:v1",
                  "generate-dataset",
                  "analysis/dataset.py",
                  "--output",
                  "output/dataset.csv.gz")
              : List.of("python:v2", "analysis/step_" + i + ".py", "--label", "step " + i);
      Map<String, Object> config =
          i % 4 == 0 ? Map.of("index", i, "name", "O'Brien \u00e9", "ratio", 0.25) : null;
      actions.put(
          "a" + i,
          new Action(
              "a" + i,
              run,
              needs,
              Map.of("moderately_sensitive", Map.of("out", "output/a" + i + "/*.csv")),
              config,
              null,
              db));
    }
    return new Pipeline(4.0, actions, null, List.of());
  }

  private static Map<String, Job> halfSucceeded(Pipeline p) {
    Map<String, Job> state = new LinkedHashMap<>();
    int i = 0;
    for (String a : p.allActions()) {
      if (i++ % 2 == 0) {
        state.put(
            a,
            new Job(
                new JobSpec(
                    JobIds.jobId("oldrap0000000001", a),
                    "oldrap0000000001",
                    "test",
                    "ws",
                    a,
                    1,
                    new JobSpec.Source(
                        "https://github.com/opensafely/study", "a".repeat(40), "main", null, null),
                    new JobSpec.Run("python:v2 x.py", Map.of(), false, "default", Map.of()),
                    new JobSpec.Needs(List.of(), List.of()),
                    new JobSpec.Origin("u", "p", List.of(), Map.of())),
                new JobStatus(
                    State.SUCCEEDED,
                    StatusCode.SUCCEEDED,
                    "Completed successfully",
                    false,
                    1L,
                    1L,
                    1L,
                    1L)));
      }
    }
    return state;
  }

  private static void run(String name, Pipeline p, List<String> requested, Map<String, Job> state)
      throws Exception {
    CreateRequest request =
        new CreateRequest(
            "test",
            "abcdefgh23456789",
            "ws",
            "https://github.com/opensafely/study",
            "main",
            "b".repeat(40),
            "default",
            requested,
            true,
            false,
            "alice",
            "project",
            List.of("opensafely"),
            Map.of("dataset_permissions", List.of("ukrr")));
    SplittableRandom random = new SplittableRandom(1);
    int jobs = 0;
    for (int i = 0; i < WARMUP; i++) {
      jobs = count(JobPlanner.plan(request, p, state, Instant.now(), random));
    }
    long[] nanos = new long[RUNS];
    for (int i = 0; i < RUNS; i++) {
      long t0 = System.nanoTime();
      Plan plan = JobPlanner.plan(request, p, state, Instant.now(), random);
      nanos[i] = System.nanoTime() - t0;
      jobs = count(plan);
    }
    Arrays.sort(nanos);
    System.out.printf(
        "  %-40s %3d new jobs  median %7.3f  p99 %7.3f  max %7.3f%n",
        name, jobs, nanos[RUNS / 2] / 1e6, nanos[(int) (RUNS * 0.99)] / 1e6, nanos[RUNS - 1] / 1e6);
  }

  private static int count(Plan plan) {
    return plan instanceof Plan.NewJobs n ? n.jobs().size() : 0;
  }
}

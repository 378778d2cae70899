package org.rap.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rap.common.pipeline.Pipeline;
import org.rap.common.pipeline.ProjectParser;
import org.rap.local.LocalRunner;

/**
 * `rap run` on a 3-action chain of trivial jobs against the same three containers started by plain
 * chained {@code docker run --rm} (the target: at most 2x). Prints a JSON object.
 */
public final class LocalRunBench {
  private static final String IMAGE = "ghcr.io/opensafely-core/python:v2";
  private static final String STEP = "mkdir -p output && echo %d > output/%s.csv";

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    System.out.println(run(rounds).encodePrettily());
  }

  public static JsonObject run(int rounds) throws Exception {
    Path dir = Files.createTempDirectory("rap-localbench");
    Files.writeString(
        dir.resolve("project.yaml"),
        "version: '4.0'\nactions:\n" + action("a", null) + action("b", "a") + action("c", "b"));
    Pipeline pipeline = ProjectParser.parse(Files.readString(dir.resolve("project.yaml")));
    List<Long> rap = new ArrayList<>();
    List<Long> docker = new ArrayList<>();
    Vertx vertx = Vertx.vertx();
    try {
      runRap(vertx, dir, pipeline); // warm-up: Docker connection, class loading
      dockerChain(dir);
      for (int i = 0; i < rounds; i++) {
        long t0 = System.nanoTime();
        runRap(vertx, dir, pipeline);
        rap.add((System.nanoTime() - t0) / 1_000_000);
        t0 = System.nanoTime();
        dockerChain(dir);
        docker.add((System.nanoTime() - t0) / 1_000_000);
      }
    } finally {
      vertx.close().await();
    }
    long rapMedian = Stats.median(rap);
    long dockerMedian = Stats.median(docker);
    return new JsonObject()
        .put("rounds", rounds)
        .put("rap_run_chain_ms_median", rapMedian)
        .put("docker_run_chain_ms_median", dockerMedian)
        .put("ratio", Math.round(100.0 * rapMedian / dockerMedian) / 100.0)
        .put("target_ratio_max", 2.0);
  }

  private static String action(String name, String need) {
    return "  "
        + name
        + ":\n"
        + "    run: python:v2 sh -c '"
        + String.format(STEP, 1, name)
        + "'\n"
        + (need == null ? "" : "    needs: [" + need + "]\n")
        + "    outputs: {moderately_sensitive: {"
        + name
        + ": output/"
        + name
        + ".csv}}\n";
  }

  private static void runRap(Vertx vertx, Path dir, Pipeline pipeline) {
    LocalRunner.Options o =
        new LocalRunner.Options(
            dir, List.of("c"), true, false, 1, "512M", 1.0, "ghcr.io/opensafely-core");
    List<LocalRunner.ActionResult> r =
        new LocalRunner(vertx, o, pipeline, line -> {}).run().await();
    if (!r.stream().allMatch(LocalRunner.ActionResult::succeeded)) {
      throw new IllegalStateException("local run failed: " + r);
    }
  }

  private static void dockerChain(Path dir) throws Exception {
    for (String name : List.of("a", "b", "c")) {
      Process p =
          new ProcessBuilder(
                  "docker",
                  "run",
                  "--rm",
                  "--network",
                  "none",
                  "-v",
                  dir + ":/workspace",
                  "-w",
                  "/workspace",
                  IMAGE,
                  "sh",
                  "-c",
                  String.format(STEP, 1, name))
              .inheritIO()
              .start();
      if (p.waitFor() != 0) {
        throw new IllegalStateException("docker run failed");
      }
    }
  }
}

package org.rap.bench;

import io.vertx.core.json.JsonObject;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rap.local.LocalLeftovers;

/**
 * {@code rap run} as users start it, a whole process each time, on a 3-action chain of trivial jobs
 * (generate → analyse → report) against the floor: the same three commands as three chained plain
 * {@code docker run --rm} processes (with {@code --network none} and the study mounted at
 * /workspace, what any job needs). Runs alternate pair by pair (ours, floor, ours, floor ...) so
 * the ratio of each pair is taken under the same machine load; the figure is the median ratio. The
 * command measured is the README's launcher ({@code bin/rap}, with the class-data-sharing archive
 * built with the jar); plain {@code java -jar target/rap.jar} and the short commands ({@code
 * --version}, {@code check-project}) are measured the same way for information. Prints a JSON
 * object.
 *
 * <p>Usage: {@code LocalRunBench [rounds]} from the repository root, after {@code mvn package}.
 */
public final class LocalRunBench {
  private static final String IMAGE = "ghcr.io/opensafely-core/python:v2";
  private static final String[][] CHAIN = {
    {"generate", null, "mkdir -p output && echo 1 > output/generate.csv"},
    {"analyse", "generate", "cat output/generate.csv > output/analyse.csv"},
    {"report", "analyse", "cat output/analyse.csv > output/report.csv"}
  };
  static final double TARGET_RATIO = 1.5;

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    System.out.println(run(rounds).encodePrettily());
  }

  public static JsonObject run(int rounds) throws Exception {
    Path dir = Files.createTempDirectory("rap-localbench");
    StringBuilder yaml = new StringBuilder("version: '4.0'\nactions:\n");
    for (String[] a : CHAIN) {
      yaml.append("  ").append(a[0]).append(":\n");
      yaml.append("    run: python:v2 sh -c '").append(a[2]).append("'\n");
      if (a[1] != null) {
        yaml.append("    needs: [").append(a[1]).append("]\n");
      }
      yaml.append("    outputs: {moderately_sensitive: {")
          .append(a[0])
          .append(": output/")
          .append(a[0])
          .append(".csv}}\n");
    }
    Files.writeString(dir.resolve("project.yaml"), yaml);
    String jar =
        Path.of(System.getProperty("rap.jar", "target/rap.jar")).toAbsolutePath().toString();
    String launcher = Path.of("bin/rap").toAbsolutePath().toString();
    List<String> ours = List.of(launcher, "run", "run_all", "-f", "--project-dir", dir.toString());
    List<String> plain =
        List.of("java", "-jar", jar, "run", "run_all", "-f", "--project-dir", dir.toString());

    try {
      return measure(rounds, dir, jar, launcher, ours, plain);
    } finally {
      LocalLeftovers.deleteTree(dir);
    }
  }

  private static JsonObject measure(
      int rounds, Path dir, String jar, String launcher, List<String> ours, List<String> plain)
      throws Exception {
    // warm-up: page cache, Docker's image and layer caches, the study's first run
    time(ours);
    time(plain);
    floor(dir);
    List<Long> oursMs = new ArrayList<>();
    List<Long> plainMs = new ArrayList<>();
    List<Long> floorMs = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    List<Double> plainRatios = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      long o = time(ours);
      long f = floor(dir);
      long p = time(plain);
      long f2 = floor(dir);
      oursMs.add(o);
      plainMs.add(p);
      floorMs.add(f);
      floorMs.add(f2);
      ratios.add((double) o / f);
      plainRatios.add((double) p / f2);
    }
    JsonObject shortCommands = shortCommands(launcher, jar, dir, rounds);
    return new JsonObject()
        .put("rounds", rounds)
        .put("command", String.join(" ", ours))
        .put("floor", "3 x docker run --rm --network none -v DIR:/workspace -w /workspace " + IMAGE)
        .put("floor_ms_median", Stats.median(floorMs))
        .put("rap_run_ms_median", Stats.median(oursMs))
        .put("ratio", round(median(ratios)))
        .put("rap_run_java_jar_ms_median", Stats.median(plainMs))
        .put("ratio_java_jar", round(median(plainRatios)))
        .put("target_ratio_max", TARGET_RATIO)
        .mergeIn(shortCommands);
  }

  /** {@code --version} and {@code check-project}, through the launcher and plain java -jar. */
  private static JsonObject shortCommands(String launcher, String jar, Path dir, int rounds)
      throws Exception {
    String yaml = dir.resolve("project.yaml").toString();
    List<List<String>> cmds =
        List.of(
            List.of(launcher, "--version"),
            List.of("java", "-jar", jar, "--version"),
            List.of(launcher, "check-project", yaml),
            List.of("java", "-jar", jar, "check-project", yaml));
    String[] keys = {
      "version_ms_median",
      "version_java_jar_ms_median",
      "check_project_ms_median",
      "check_project_java_jar_ms_median"
    };
    List<List<Long>> times = new ArrayList<>();
    for (List<String> c : cmds) {
      time(c);
      times.add(new ArrayList<>());
    }
    for (int i = 0; i < rounds; i++) {
      for (int k = 0; k < cmds.size(); k++) {
        times.get(k).add(time(cmds.get(k)));
      }
    }
    JsonObject o = new JsonObject();
    for (int k = 0; k < cmds.size(); k++) {
      o.put(keys[k], Stats.median(times.get(k)));
    }
    return o;
  }

  /** Wall-clock milliseconds of one whole process; its output is discarded. */
  static long time(List<String> cmd) throws Exception {
    long t0 = System.nanoTime();
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(new File("/dev/null")))
            .start();
    int exit = p.waitFor();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    if (exit != 0) {
      throw new IllegalStateException("exit " + exit + ": " + String.join(" ", cmd));
    }
    return ms;
  }

  /** The three commands as three chained plain docker run --rm processes. */
  private static long floor(Path dir) throws Exception {
    long total = 0;
    for (String[] a : CHAIN) {
      total +=
          time(
              List.of(
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
                  a[2]));
    }
    return total;
  }

  private static double median(List<Double> values) {
    List<Double> s = new ArrayList<>(values);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}

package org.rap.cli;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.pipeline.Pipeline;
import org.rap.common.pipeline.ProjectParser;
import org.rap.common.pipeline.ProjectValidationError;
import org.rap.local.LocalRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code rap run}: run actions of a local study in Docker, no servers needed. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run actions of a local study directory (and the dependencies they need) in Docker, like"
          + " `opensafely run`: outputs go back into the study directory, logs into its metadata/.",
      "Exit status 0 only when every action succeeded."
    })
public final class RunCommand implements Callable<Integer> {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
  private static final Logger QUIET = Logger.getLogger("org.rap.agent");

  @Parameters(paramLabel = "ACTIONS", arity = "1..*", description = "Actions to run (or run_all).")
  List<String> actions;

  @Option(
      names = "--project-dir",
      paramLabel = "DIR",
      description = "Study directory (default: ${DEFAULT-VALUE}, the current directory).")
  Path projectDir = Path.of(".");

  @Option(
      names = {"-f", "--force-run-dependencies"},
      description = "Re-run dependencies even if they succeeded before.")
  boolean force;

  @Option(
      names = "--continue-on-error",
      description = "Keep running independent actions after a failure.")
  boolean continueOnError;

  @Option(
      names = {"-c", "--concurrency"},
      paramLabel = "N",
      description = "Jobs run at once (default: ${DEFAULT-VALUE}).")
  int concurrency = 2;

  @Option(
      names = "--memory",
      paramLabel = "M",
      description = "Memory limit per job, e.g. 4G (default: ${DEFAULT-VALUE}).")
  String memory = "4G";

  @Option(
      names = "--cpus",
      paramLabel = "C",
      description = "CPUs per job (default: ${DEFAULT-VALUE}).")
  double cpus = 2.0;

  @Option(
      names = "--docker-registry",
      paramLabel = "R",
      description = {"Image prefix (default: $DOCKER_REGISTRY, else", "ghcr.io/opensafely-core)."})
  String registry;

  @Override
  public Integer call() throws Exception {
    Path dir = projectDir.toAbsolutePath().normalize();
    Path yaml = dir.resolve("project.yaml");
    if (!Files.isReadable(yaml)) {
      System.err.println("No project.yaml found in " + dir);
      return 2;
    }
    Pipeline pipeline;
    try {
      pipeline = ProjectParser.parse(Files.readAllBytes(yaml));
    } catch (ProjectValidationError e) {
      System.err.println("Invalid project: " + yaml + "\n" + e.getMessage());
      return 1;
    }
    if (memory == null || !memory.matches("(?i)\\d+(\\.\\d+)?[bkmg]?")) {
      System.err.println("--memory must be a size such as 4G or 512M, got '" + memory + "'");
      return 2;
    }
    String reg =
        registry != null
            ? registry
            : System.getenv().getOrDefault("DOCKER_REGISTRY", "ghcr.io/opensafely-core");
    LocalRunner.Options options =
        new LocalRunner.Options(
            dir, actions, force, continueOnError, concurrency, memory, cpus, reg);
    if (System.getenv("LOGLEVEL") == null) {
      // progress lines are the output here; executor INFO logs would interleave with them
      QUIET.setLevel(Level.WARNING);
    }
    long start = System.nanoTime();
    Vertx vertx = Vertx.vertx();
    try {
      LocalRunner runner =
          new LocalRunner(
              vertx,
              options,
              pipeline,
              line -> System.out.println("[" + LocalTime.now().format(CLOCK) + "] " + line));
      List<LocalRunner.ActionResult> results;
      try {
        results = runner.run().await();
      } catch (IllegalArgumentException e) {
        System.err.println(e.getMessage());
        return 1;
      }
      printSummary(results, Duration.ofNanos(System.nanoTime() - start));
      return results.stream().allMatch(LocalRunner.ActionResult::succeeded) ? 0 : 1;
    } finally {
      vertx.close().await();
    }
  }

  private static void printSummary(List<LocalRunner.ActionResult> results, Duration took) {
    System.out.println();
    System.out.println("=== Summary ===");
    if (results.isEmpty()) {
      System.out.println(
          "Nothing to run: every requested action already succeeded (use -f to re-run).");
    }
    for (LocalRunner.ActionResult r : results) {
      System.out.println(r.action() + ": " + r.state() + " - " + r.message());
      for (Path p : r.outputs()) {
        System.out.println("    output: " + p);
      }
      if (r.log() != null) {
        System.out.println("    log:    " + r.log());
      }
    }
    System.out.printf("Total time: %.1f s%n", took.toMillis() / 1000.0);
  }
}

package org.rap.cli;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.agent.executor.docker.DockerApi;
import org.rap.common.pipeline.Pipeline;
import org.rap.common.pipeline.ProjectLimits;
import org.rap.common.pipeline.ProjectParser;
import org.rap.common.pipeline.ProjectValidationError;
import org.rap.local.ActionResult;
import org.rap.local.ImagePuller;
import org.rap.local.LocalImages;
import org.rap.local.LocalLeftovers;
import org.rap.local.LocalPlan;
import org.rap.local.LocalRunner;
import org.rap.local.LocalStart;
import org.rap.local.LocalWorkspace;
import org.rap.local.ProgressView;
import org.rap.local.RunSummary;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code rap run}: run actions of a local study in Docker, no servers needed. */
public final class RunCommand implements Callable<Integer> {
  private static final Logger QUIET = Logger.getLogger("org.rap.agent");
  private static final String GREY = "\u001b[38;5;248m";
  private static final String RESET = "\u001b[0m";

  /** Set from the parsed command line by {@link #readOptions} (the defaults are the options'). */
  List<String> actions;

  Path projectDir;
  boolean force;
  boolean continueOnError;
  int concurrency;
  String memory;
  double cpus;
  boolean timestamps;
  boolean debug;
  boolean github;
  String registry;

  private CommandSpec spec;

  /** Docker and Vert.x, started before the command line was parsed (null: start them here). */
  private final LocalStart headStart;

  /**
   * With {@code headStart} already reaching Docker and starting Vert.x ({@link #call} closes it).
   */
  private RunCommand(LocalStart headStart) {
    this.headStart = headStart;
  }

  /** {@code run} for a command line: a new command, Docker and Vert.x started when it runs. */
  public static CommandLine commandLine() {
    return commandLine(null);
  }

  /**
   * {@code run} with {@code headStart} (null: started when it runs). Its options are declared in
   * code rather than with annotations: picocli reads a command's annotations reflectively, which
   * costs a fresh process a few tens of milliseconds before the first job (over a tenth of what a
   * short run takes), and this command is the one that runs in fresh processes.
   */
  public static CommandLine commandLine(LocalStart headStart) {
    RunCommand cmd = new RunCommand(headStart);
    CommandSpec s = CommandSpec.wrapWithoutInspection(cmd).name("run");
    s.versionProvider(new VersionProvider());
    s.usageMessage()
        .description(
            "Run actions of a local study directory (and the dependencies they need) in Docker,"
                + " like `opensafely run`: outputs go back into the study directory, logs into its"
                + " metadata/.",
            "Exit status 0 only when every action succeeded; 1 when one failed or could not run;"
                + " 130 when stopped with Ctrl-C (running containers and their volumes are"
                + " removed).");
    s.addPositional(
        PositionalParamSpec.builder()
            .paramLabel("ACTIONS")
            .arity("0..*")
            .type(List.class)
            .auxiliaryTypes(String.class)
            .description("Actions to run (run_all: every action).")
            .build());
    s.addOption(
        option(Path.class, "--project-dir")
            .paramLabel("DIR")
            .defaultValue(".")
            .description("Study directory (default: ${DEFAULT-VALUE}, the current directory).")
            .build());
    s.addOption(
        flag("-f", "--force-run-dependencies")
            .description("Re-run dependencies even if they succeeded before.")
            .build());
    s.addOption(
        flag("--continue-on-error")
            .description("Keep running independent actions after a failure.")
            .build());
    s.addOption(
        option(int.class, "-c", "--concurrency")
            .paramLabel("N")
            .defaultValue("2")
            .description(
                "Actions run at once (default: ${DEFAULT-VALUE}); -c 1 runs them one at a time,"
                    + " which helps with memory problems.")
            .build());
    s.addOption(
        option(String.class, "-m", "--memory")
            .paramLabel("M")
            .defaultValue("4G")
            .description("Memory limit per job, with a unit, e.g. 4G (default: ${DEFAULT-VALUE}).")
            .build());
    s.addOption(
        option(double.class, "--cpus", "--cpu")
            .paramLabel("C")
            .defaultValue("2.0")
            .description("CPUs per job (default: ${DEFAULT-VALUE}).")
            .build());
    s.addOption(
        flag("--timestamps")
            .description("Start every progress line with the date and time.")
            .build());
    s.addOption(
        flag("--debug")
            .description(
                "Leave job containers and volumes in place for inspection (the next run"
                    + " removes them).")
            .build());
    s.addOption(
        flag("--format-output-for-github")
            .description("Output suited to a GitHub Actions log (folded groups).")
            .build());
    s.addOption(
        option(String.class, "--docker-registry")
            .paramLabel("R")
            .description(
                "Image prefix (default: $DOCKER_REGISTRY, else", "ghcr.io/opensafely-core).")
            .build());
    s.addOption(
        flag("-h", "--help")
            .usageHelp(true)
            .description("Show this help message and exit.")
            .build());
    s.addOption(
        flag("-V", "--version")
            .versionHelp(true)
            .description("Print version information and exit.")
            .build());
    cmd.spec = s;
    return new CommandLine(s);
  }

  private static OptionSpec.Builder option(Class<?> type, String... names) {
    return OptionSpec.builder(names).type(type);
  }

  private static OptionSpec.Builder flag(String... names) {
    return OptionSpec.builder(names).type(boolean.class).arity("0").initialValue(false);
  }

  /** The parsed command line into the fields. */
  private void readOptions() {
    List<String> given = spec.positionalParameters().get(0).getValue();
    actions = given == null ? new ArrayList<>() : new ArrayList<>(given);
    projectDir = spec.findOption("--project-dir").getValue();
    force = spec.findOption("-f").getValue();
    continueOnError = spec.findOption("--continue-on-error").getValue();
    concurrency = spec.findOption("-c").getValue();
    memory = spec.findOption("-m").getValue();
    cpus = spec.findOption("--cpus").getValue();
    timestamps = spec.findOption("--timestamps").getValue();
    debug = spec.findOption("--debug").getValue();
    github = spec.findOption("--format-output-for-github").getValue();
    registry = spec.findOption("--docker-registry").getValue();
  }

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    readOptions();
    if (concurrency < 1 || !(cpus > 0)) {
      System.err.println("--concurrency and --cpus must be positive");
      return 2;
    }
    if (memory == null || !memory.matches("(?i)\\d+(\\.\\d+)?[bkmg]?")) {
      System.err.println("--memory must be a size such as 4G or 512M, got '" + memory + "'");
      return 2;
    }
    LocalStart start = headStart != null ? headStart : LocalStart.begin();
    try {
      return run(out, start);
    } finally {
      start.close();
    }
  }

  private int run(PrintStream out, LocalStart start) throws Exception {
    Path dir = projectDir.toAbsolutePath().normalize();
    Path yaml = dir.resolve("project.yaml");
    if (!Files.isRegularFile(yaml)) {
      out.println("=> No project.yaml found in " + dir);
      out.println("   Run this in a study directory, or give one with --project-dir DIR.");
      return 1;
    }
    Pipeline pipeline;
    try {
      ProjectLimits.DEFAULT.checkSize(Files.size(yaml));
      pipeline = ProjectParser.parse(Files.readAllBytes(yaml));
    } catch (ProjectValidationError e) {
      out.println("=> Invalid project: " + yaml);
      out.println(
          "   "
              + CheckProjectCommand.humanMessage(e.getMessage(), yaml.toString())
                  .replace("\n", "\n   "));
      return 1;
    }
    String reg =
        registry != null
            ? registry
            : System.getenv().getOrDefault("DOCKER_REGISTRY", "ghcr.io/opensafely-core");
    try (LocalWorkspace workspace = LocalWorkspace.open(dir)) {
      List<String> order;
      try {
        order = LocalPlan.plan(pipeline, actions, force, workspace::succeededBefore);
      } catch (LocalPlan.UnknownActionException e) {
        printUnknownAction(out, e);
        return 1;
      }
      if (order.isEmpty()) {
        out.println("=> All actions already completed successfully");
        out.println("   Use -f option to force everything to re-run");
        return 0;
      }
      if (!workspace.lock()) {
        out.println("=> Another `rap run` is using " + dir);
        out.println("   Wait for it to finish (or stop it), then try again.");
        return 1;
      }
      if (System.getenv("LOGLEVEL") == null) {
        // progress lines are the output here; executor INFO logs would interleave with them
        QUIET.setLevel(Level.WARNING);
      }
      Vertx vertx = start.vertx();
      ProgressView view = new ProgressView(out, System.console() != null, timestamps);
      try {
        DockerApi docker;
        try {
          docker = start.docker();
        } catch (CompletionException e) {
          out.println("=> Docker is not available");
          out.println("   " + e.getCause().getMessage().replace("\n", "\n   "));
          return 1;
        }
        LocalLeftovers.Removed left = LocalLeftovers.removeAll(docker, workspace);
        if (left.any()) {
          view.line(
              "Removed what an earlier run left behind: "
                  + left.containers().size()
                  + " container(s), "
                  + left.volumes()
                  + " job volume(s)");
        }
        if (!ensureImages(docker, view, pipeline, order, reg)) {
          return 1;
        }
        LocalRunner.Options options =
            new LocalRunner.Options(
                dir, actions, force, continueOnError, concurrency, memory, cpus, reg, debug);
        LocalRunner runner = new LocalRunner(vertx, options, pipeline, workspace, docker, view);
        return runAndReport(out, view, runner, order, dir, start);
      } finally {
        view.close();
      }
    }
  }

  private int runAndReport(
      PrintStream out,
      ProgressView view,
      LocalRunner runner,
      List<String> order,
      Path dir,
      LocalStart headStart)
      throws IOException {
    long start = System.nanoTime();
    view.line("Running actions: " + String.join(", ", order));
    if (github) {
      out.println("::group::Job Runner Logs " + GREY + "(click to view)" + RESET);
    }
    AtomicBoolean interrupted = new AtomicBoolean();
    Thread onCtrlC =
        new Thread(
            () -> {
              interrupted.set(true);
              view.close();
              out.println();
              out.println("Killed by user (Ctrl-C)");
              if (debug) {
                out.println("Leaving containers and volumes in place (--debug).");
                printDebugCleanup(out, runner, dir);
              } else {
                out.println("Cleaning up Docker containers and volumes ...");
                List<String> stopped = runner.abort(Duration.ofSeconds(30));
                out.println(
                    stopped.isEmpty()
                        ? "Nothing was running."
                        : "Stopped and removed: " + String.join(", ", stopped));
              }
              out.flush();
            },
            "rap-run-ctrl-c");
    Runtime.getRuntime().addShutdownHook(onCtrlC);
    List<ActionResult> results;
    try {
      results = runner.run(order).await();
    } finally {
      if (!interrupted.get()) {
        Runtime.getRuntime().removeShutdownHook(onCtrlC);
      }
      runner.close();
    }
    view.close();
    if (github) {
      out.println("::endgroup::");
    }
    if (interrupted.get()) {
      return 130;
    }
    headStart
        .beginClose(); // Docker and Vert.x are done with: they stop while the summary is printed
    RunSummary.print(out, dir, results, github);
    if (debug) {
      printDebugCleanup(out, runner, dir);
    }
    out.printf(Locale.ROOT, "Total time: %.1f s%n", (System.nanoTime() - start) / 1e9);
    return results.stream().allMatch(ActionResult::succeeded) ? 0 : 1;
  }

  /** Pulls missing images (a line per pull); false when one is still missing. */
  private static boolean ensureImages(
      DockerApi docker, ProgressView view, Pipeline pipeline, List<String> order, String reg) {
    Set<String> images = new LinkedHashSet<>();
    order.forEach(a -> images.add(LocalImages.image(reg, pipeline.action(a))));
    ImagePuller puller = new ImagePuller(docker, view);
    List<String> missing = puller.missing(images);
    if (missing.isEmpty()) {
      return true;
    }
    List<String> errors = puller.pull(missing);
    errors.forEach(e -> view.line("=> " + e.replace("\n", "\n   ")));
    return errors.isEmpty();
  }

  private static void printUnknownAction(PrintStream out, LocalPlan.UnknownActionException e) {
    out.println(
        e.action().isEmpty()
            ? "=> No action given: name the actions to run, or run_all"
            : "=> " + e.getMessage());
    if (e.suggestion() != null) {
      out.println("   Did you mean '" + e.suggestion() + "'?");
    }
    out.println();
    out.println("   Valid action names are:");
    for (String a : e.validActions()) {
      out.println(
          a.equals(LocalPlan.RUN_ALL)
              ? "     " + a + " (runs all actions in project)"
              : "     " + a);
    }
  }

  private static void printDebugCleanup(PrintStream out, LocalRunner runner, Path dir) {
    out.println("-".repeat(48));
    out.println();
    out.println("Running in --debug mode so not cleaning up. To clean up run:");
    out.println();
    for (String name : runner.containerNames()) {
      out.println("  docker container rm --force " + name);
    }
    out.println("  rm -rf " + dir.resolve("metadata/.rap/high_privacy/volumes"));
    out.println("(or just run rap run again: it removes them first)");
    out.println();
  }
}

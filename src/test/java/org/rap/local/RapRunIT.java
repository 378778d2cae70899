package org.rap.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.agent.executor.TestRegistry;

/**
 * {@code rap run} as a researcher runs it: the real jar through the README's launcher ({@code
 * bin/rap}) or {@code java -jar}, a separate process against the real Docker engine and the local
 * busybox images. Every study gets a directory name of its own, so the workspace label of its
 * containers is unique to the test and only its own containers are looked at or removed.
 */
@Tag("docker")
class RapRunIT {
  private static final Path JAR =
      Path.of(System.getProperty("rap.jar", "target/rap.jar")).toAbsolutePath();
  private static final Path LAUNCHER = Path.of("bin/rap").toAbsolutePath();
  private static final Pattern STACK_TRACE = Pattern.compile("\\tat |Exception\\b|Caused by");

  @TempDir Path tmp;
  private final List<String> images = new ArrayList<>();

  record Result(int exit, String out) {}

  private Path study(String yaml) throws IOException {
    Path dir = tmp.resolve("rapit-" + UUID.randomUUID().toString().substring(0, 8));
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("project.yaml"), yaml);
    return dir;
  }

  private static String ws(Path study) {
    return study.getFileName().toString();
  }

  private static final String CHAIN =
      "version: '4.0'\n"
          + "actions:\n"
          + "  generate:\n"
          + "    run: python:v2 sh -c 'mkdir -p output && echo 1 > output/data.csv'\n"
          + "    outputs: {highly_sensitive: {data: output/data.csv}}\n"
          + "  analyse:\n"
          + "    run: python:v2 sh -c 'cat output/data.csv > output/summary.csv'\n"
          + "    needs: [generate]\n"
          + "    outputs: {moderately_sensitive: {summary: output/summary.csv}}\n"
          + "  report:\n"
          + "    run: python:v2 sh -c 'cat output/summary.csv > output/report.md'\n"
          + "    needs: [analyse]\n"
          + "    outputs: {moderately_sensitive: {report: output/report.md}}\n";

  private static final String FAILING =
      "version: '4.0'\n"
          + "actions:\n"
          + "  a:\n"
          + "    run: python:v2 sh -c 'mkdir -p output && echo 1 > output/a.csv'\n"
          + "    outputs: {highly_sensitive: {a: output/a.csv}}\n"
          + "  b:\n"
          + "    run: python:v2 sh -c 'echo first line; echo last words; exit 3'\n"
          + "    needs: [a]\n"
          + "    outputs: {moderately_sensitive: {b: output/b.csv}}\n"
          + "  c:\n"
          + "    run: python:v2 sh -c 'echo c'\n"
          + "    needs: [b]\n"
          + "    outputs: {moderately_sensitive: {c: output/c.csv}}\n"
          + "  d:\n"
          + "    run: python:v2 sh -c 'mkdir -p output && echo d > output/d.csv'\n"
          + "    needs: [a]\n"
          + "    outputs: {moderately_sensitive: {d: output/d.csv}}\n";

  private static String slow(String... names) {
    StringBuilder y = new StringBuilder("version: '4.0'\nactions:\n");
    int n = 0;
    for (String name : names) {
      y.append("  ").append(name).append(":\n");
      y.append("    run: python:v2 sh -c 'sleep ").append(120 + n++).append("'\n");
      y.append("    outputs: {moderately_sensitive: {o: output/").append(name).append(".csv}}\n");
    }
    return y.toString();
  }

  /** {@code bin/rap run ARGS --project-dir STUDY}, to completion. */
  private Result rap(Path study, Map<String, String> env, String... args) throws Exception {
    Process p = start(study, env, true, args);
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("rap run did not finish");
    }
    return new Result(p.exitValue(), output(study));
  }

  private Result rap(Path study, String... args) throws Exception {
    return rap(study, Map.of(), args);
  }

  /**
   * Starts the launcher (or plain java -jar). SIGINT is reset to its default first ({@code env
   * --default-signal}): a process started in the background of a shell inherits it ignored.
   */
  private Process start(Path study, Map<String, String> env, boolean launcher, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=INT"));
    if (launcher) {
      cmd.add(LAUNCHER.toString());
    } else {
      cmd.addAll(List.of("java", "-jar", JAR.toString()));
    }
    cmd.add("run");
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--project-dir", study.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("RAP_JAR", JAR.toString());
    pb.environment().remove("LOGLEVEL");
    pb.environment().remove("DOCKER_REGISTRY");
    pb.environment().putAll(env);
    pb.redirectErrorStream(true).redirectOutput(outFile(study).toFile());
    return pb.start();
  }

  private Path outFile(Path study) {
    return tmp.resolve(study.getFileName() + ".out");
  }

  private String output(Path study) throws IOException {
    return Files.readString(outFile(study), StandardCharsets.UTF_8);
  }

  private void awaitOutput(Path study, String... texts) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      String out = output(study);
      if (List.of(texts).stream().allMatch(out::contains)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("never printed " + List.of(texts) + ":\n" + output(study));
  }

  private static List<String> docker(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("docker"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out.lines().filter(l -> !l.isBlank()).toList();
  }

  /** Names of containers carrying the study's workspace label. */
  private static List<String> containers(Path study) throws Exception {
    return docker("ps", "-a", "--filter", "label=workspace=" + ws(study), "--format", "{{.Names}}");
  }

  private static List<String> volumes(Path study) throws IOException {
    Path v = study.resolve("metadata/.rap/high_privacy/volumes");
    if (!Files.isDirectory(v)) {
      return List.of();
    }
    try (var s = Files.list(v)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  private static void signal(Process p, String signal) throws Exception {
    // the java process is the launcher's exec'd child with the same pid
    new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).start().waitFor();
  }

  @AfterEach
  void removeWhatTestsLeft() throws Exception {
    for (Path study : leftStudies) {
      for (String c : containers(study)) {
        docker("rm", "-f", c);
      }
    }
    for (String image : images) {
      docker("rmi", "-f", image);
    }
  }

  private final List<Path> leftStudies = new ArrayList<>();

  private Path tracked(Path study) {
    leftStudies.add(study);
    return study;
  }

  @Test
  void runsTheChainAndListsOutputsWithTheirPrivacyLevel() throws Exception {
    Path s = tracked(study(CHAIN));
    Result r = rap(s, "run_all");
    assertEquals(0, r.exit(), r.out());
    assertEquals("1\n", Files.readString(s.resolve("output/report.md")));
    assertTrue(r.out().contains("output/data.csv  - highly_sensitive"), r.out());
    assertTrue(r.out().contains("output/summary.csv  - moderately_sensitive"), r.out());
    assertTrue(r.out().contains("log file: metadata/report.log"), r.out());
    assertTrue(Files.readString(s.resolve("metadata/report.log")).contains("JOB SUMMARY"));
    assertEquals(List.of(), containers(s));
    assertEquals(List.of(), volumes(s));

    Result again = rap(s, "run_all");
    assertEquals(0, again.exit(), again.out());
    assertTrue(again.out().contains("All actions already completed successfully"), again.out());

    // an output deleted by hand: the action that makes it runs again
    Files.delete(s.resolve("output/data.csv"));
    Result rerun = rap(s, "analyse");
    assertEquals(0, rerun.exit(), rerun.out());
    assertTrue(rerun.out().contains("Running actions: generate, analyse"), rerun.out());
  }

  @Test
  void withoutADockerEngineItSaysWhichAndWhatToDo() throws Exception {
    Path s = study(CHAIN);
    Path nothing = tmp.resolve("nothing.sock");
    Result absent = rap(s, Map.of("DOCKER_HOST", "unix://" + nothing), "run_all");
    assertEquals(1, absent.exit(), absent.out());
    assertTrue(absent.out().contains("No Docker engine found"), absent.out());
    assertTrue(absent.out().contains("Install Docker"), absent.out());
    assertFalse(STACK_TRACE.matcher(absent.out()).find(), absent.out());

    // a socket file with nothing listening: the engine is installed but not running
    Path stale = tmp.resolve("stale.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(stale));
    }
    Result stopped = rap(s, Map.of("DOCKER_HOST", "unix://" + stale), "run_all");
    assertEquals(1, stopped.exit(), stopped.out());
    assertTrue(stopped.out().contains("The Docker engine is not running"), stopped.out());
    assertTrue(stopped.out().contains("Start Docker"), stopped.out());
    assertFalse(STACK_TRACE.matcher(stopped.out()).find(), stopped.out());
  }

  @Test
  void aFailedActionShowsExitCodeLogTailAndStopsTheRun() throws Exception {
    Path s = tracked(study(FAILING));
    Result r = rap(s, "-c", "1", "run_all");
    assertEquals(1, r.exit(), r.out());
    assertTrue(r.out().contains("=> b\n   Job exited with an error"), r.out());
    assertTrue(r.out().contains("exit code: 3"), r.out());
    assertTrue(r.out().contains("log file: metadata/b.log"), r.out());
    assertTrue(r.out().contains("     last words"), r.out());
    assertTrue(r.out().contains("c (a dependency failed)"), r.out());
    assertTrue(r.out().contains("d (not started: an earlier action failed)"), r.out());
    assertFalse(Files.exists(s.resolve("output/d.csv")));

    Result go = rap(s, "-c", "1", "--continue-on-error", "run_all");
    assertEquals(1, go.exit(), go.out());
    assertTrue(Files.exists(s.resolve("output/d.csv")), go.out());
    assertEquals(List.of(), containers(s));
  }

  @Test
  void outOfMemoryGetsTheAgentsMessageAndAHint() throws Exception {
    Path s =
        tracked(
            study(
                "version: '4.0'\nactions:\n  hog:\n"
                    + "    run: python:v2 sh -c 'x=a; while true; do x=$x$x; done'\n"
                    + "    outputs: {moderately_sensitive: {o: output/o.csv}}\n"));
    Result r = rap(s, "--memory", "16M", "hog");
    assertEquals(1, r.exit(), r.out());
    assertTrue(r.out().contains("Job ran out of memory"), r.out());
    assertTrue(r.out().contains("exit code: 137 (out of memory)"), r.out());
    assertTrue(r.out().contains("--memory"), r.out());
  }

  @Test
  void anUnknownActionListsTheValidOnesWithASuggestion() throws Exception {
    Path s = study(CHAIN);
    Result r = rap(s, "analyze");
    assertEquals(1, r.exit(), r.out());
    assertTrue(r.out().contains("Action 'analyze' not found in project.yaml"), r.out());
    assertTrue(r.out().contains("Did you mean 'analyse'?"), r.out());
    assertTrue(r.out().contains("run_all (runs all actions in project)"), r.out());
    assertTrue(r.out().contains("     report"), r.out());
  }

  @Test
  void aBadProjectYamlIsReportedOnceWithItsFileName() throws Exception {
    Path s = study("version: '4.0'\nactions:\n  a:\n    run: python:v2 true\n");
    Result r = rap(s, "a");
    assertEquals(1, r.exit(), r.out());
    assertEquals(1, r.out().split("Invalid project", -1).length - 1, r.out());
    assertTrue(r.out().contains(s.resolve("project.yaml").toString()), r.out());
    assertTrue(r.out().contains("must contain a configuration for 'outputs'"), r.out());
  }

  @Test
  void ctrlCStopsAndRemovesRunningContainersAndExits130() throws Exception {
    Path s = tracked(study(slow("one", "two")));
    Process p = start(s, Map.of(), true, "run_all");
    awaitOutput(s, "one: running", "two: running");
    assertEquals(2, containers(s).size(), output(s));
    signal(p, "INT");
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), output(s));
    assertEquals(130, p.exitValue(), output(s));
    assertTrue(output(s).contains("Killed by user"), output(s));
    assertTrue(output(s).contains("Stopped and removed: "), output(s));
    assertEquals(List.of(), containers(s));
    assertEquals(List.of(), volumes(s));
  }

  @Test
  void aLaterRunRemovesWhatAKilledRunLeftAndNothingElse() throws Exception {
    // two studies with the same directory name: the same workspace label
    String name = "rapit-" + UUID.randomUUID().toString().substring(0, 8);
    Path mine = tmp.resolve("a").resolve(name);
    Path other = tmp.resolve("b").resolve(name);
    for (Path d : List.of(mine, other)) {
      Files.createDirectories(d);
      Files.writeString(d.resolve("project.yaml"), slow("one"));
    }
    tracked(mine);
    Process killed = start(other, Map.of(), true, "one");
    awaitOutput(other, "one: running");
    signal(killed, "KILL");
    killed.waitFor(30, TimeUnit.SECONDS);
    List<String> left = containers(other);
    assertEquals(1, left.size());

    Files.writeString(mine.resolve("project.yaml"), CHAIN);
    Result r = rap(mine, "generate");
    assertEquals(0, r.exit(), r.out());
    assertEquals(left, containers(other), "another study's container is never touched");

    Files.writeString(other.resolve("project.yaml"), CHAIN);
    Result cleaned = rap(other, "generate");
    assertEquals(0, cleaned.exit(), cleaned.out());
    assertTrue(
        cleaned.out().contains("Removed what an earlier run left behind: 1 container(s)"),
        cleaned.out());
    assertEquals(List.of(), containers(other));
    assertEquals(List.of(), volumes(other));
  }

  @Test
  void debugLeavesContainersWithTheLimitsAskedFor() throws Exception {
    Path s = tracked(study(CHAIN));
    Result r = rap(s, "--debug", "--memory", "300M", "--cpus", "0.5", "generate");
    assertEquals(0, r.exit(), r.out());
    List<String> left = containers(s);
    assertEquals(1, left.size(), r.out());
    assertTrue(r.out().contains("docker container rm --force " + left.get(0)), r.out());
    assertEquals(
        List.of("314572800 500000000"),
        docker("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}", left.get(0)));
    assertEquals(1, volumes(s).size());

    Result next = rap(s, "-f", "generate");
    assertEquals(0, next.exit(), next.out());
    assertTrue(next.out().contains("Removed what an earlier run left behind"), next.out());
    assertEquals(List.of(), containers(s));
  }

  @Test
  void independentActionsRunTogetherUpToTheConcurrency() throws Exception {
    Path s =
        tracked(
            study(
                "version: '4.0'\nactions:\n"
                    + "  x:\n    run: python:v2 sh -c 'sleep 2; mkdir -p output; echo > output/x.csv'\n"
                    + "    outputs: {moderately_sensitive: {x: output/x.csv}}\n"
                    + "  y:\n    run: python:v2 sh -c 'sleep 3; mkdir -p output; echo > output/y.csv'\n"
                    + "    outputs: {moderately_sensitive: {y: output/y.csv}}\n"));
    Result two = rap(s, "run_all");
    assertEquals(0, two.exit(), two.out());
    String out = two.out();
    assertTrue(out.indexOf("y: running") < out.indexOf("x: finalizing"), out);

    Result one = rap(s, "-c", "1", "-f", "run_all");
    assertEquals(0, one.exit(), one.out());
    assertTrue(one.out().indexOf("x: succeeded") < one.out().indexOf("y: preparing"), one.out());
  }

  @Test
  void timestampsGithubFormatAndATerminal() throws Exception {
    Path s = tracked(study(CHAIN));
    Result stamped = rap(s, "--timestamps", "--format-output-for-github", "generate");
    assertEquals(0, stamped.exit(), stamped.out());
    assertTrue(
        Pattern.compile("(?m)^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d generate: succeeded")
            .matcher(stamped.out())
            .find(),
        stamped.out());
    assertTrue(stamped.out().contains("::group::Job Runner Logs"), stamped.out());
    assertTrue(stamped.out().contains("::group:: log file: metadata/generate.log"), stamped.out());
    assertTrue(stamped.out().contains("::endgroup::"), stamped.out());

    // on a terminal (script gives the command one): live lines redrawn in place
    String cmd = LAUNCHER + " run -f generate --project-dir " + s;
    Process p =
        new ProcessBuilder("script", "-qec", cmd, tmp.resolve("tty.txt").toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("script.out").toFile())
            .start();
    p.getOutputStream().close();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    String tty = Files.readString(tmp.resolve("tty.txt"));
    assertTrue(tty.contains("\u001b[1A"), tty);
    assertTrue(tty.contains("generate: succeeded"), tty);
  }

  @Test
  void plainJavaJarWorksToo() throws Exception {
    Path s = tracked(study(CHAIN));
    Process p = start(s, Map.of(), false, "generate");
    assertTrue(p.waitFor(300, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), output(s));
    assertTrue(Files.exists(s.resolve("output/data.csv")));
  }

  @Test
  void aMissingImageIsPulledFromTheRegistryWithProgress() throws Exception {
    String name = "rapit-" + UUID.randomUUID().toString().substring(0, 8);
    TestRegistry registry;
    try (InputStream saved =
        new ProcessBuilder("docker", "save", "ghcr.io/opensafely-core/busybox:latest")
            .start()
            .getInputStream()) {
      registry = new TestRegistry(saved, "opensafely-core/" + name, "v1").start();
    }
    try {
      String prefix = registry.host() + "/opensafely-core";
      images.add(prefix + "/" + name + ":v1");
      Path s =
          tracked(
              study(
                  "version: '4.0'\nactions:\n  pulled:\n    run: "
                      + name
                      + ":v1 sh -c 'mkdir -p output; cp /rap-pulled.txt output/p.txt'\n"
                      + "    outputs: {moderately_sensitive: {p: output/p.txt}}\n"
                      + "  missing:\n    run: "
                      + name
                      + ":v9 true\n"
                      + "    outputs: {moderately_sensitive: {m: output/m.txt}}\n"));
      Map<String, String> env = new HashMap<>(Map.of("DOCKER_REGISTRY", prefix));
      Result r = rap(s, env, "pulled");
      assertEquals(0, r.exit(), r.out());
      assertTrue(r.out().contains("Pulled " + prefix + "/" + name + ":v1"), r.out());
      assertEquals("pulled " + registry.nonce, Files.readString(s.resolve("output/p.txt")).strip());

      Result missing = rap(s, env, "missing");
      assertEquals(1, missing.exit(), missing.out());
      assertTrue(
          missing.out().contains("Could not pull " + prefix + "/" + name + ":v9"), missing.out());
    } finally {
      registry.close();
    }

    // nothing listening where the registry was: said once for every missing image
    Path s2 =
        study(
            "version: '4.0'\nactions:\n"
                + "  one:\n    run: nothere-a:v1 true\n"
                + "    outputs: {moderately_sensitive: {m: output/a.txt}}\n"
                + "  two:\n    run: nothere-b:v1 true\n"
                + "    outputs: {moderately_sensitive: {m: output/b.txt}}\n");
    Result none = rap(s2, Map.of("DOCKER_REGISTRY", "127.0.0.1:1/x"), "run_all");
    assertEquals(1, none.exit(), none.out());
    assertEquals(1, none.out().split("No registry reachable", -1).length - 1, none.out());
    assertTrue(none.out().contains("nothere-b:v1"), none.out());
  }
}

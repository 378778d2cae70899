package org.rap.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.bench.FleetBench;

/**
 * The launchers (the image's entry point and {@code bin/rap}) start the agent with the quick JIT
 * compiler only, and the other roles and commands without it; the fleet benchmark starts its agents
 * with the same options. Each launcher runs as a process with a {@code java} on {@code PATH} that
 * prints the command line it was given.
 */
class AgentJvmOptionsTest {
  @TempDir Path tmp;

  @Test
  void theImageStartsOnlyTheAgentWithTheQuickCompiler() throws Exception {
    String agent = launch("docker/entrypoint.sh", "agent");
    assertTrue(agent.startsWith("-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"), agent);
    assertTrue(agent.contains(options() + " -jar /app/rap.jar --role=agent"), agent);
    assertTrue(launch("docker/entrypoint.sh", "--role", "agent").contains(options()));
    String controller = launch("docker/entrypoint.sh", "controller");
    assertEquals(
        "-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -jar /app/rap.jar --role=controller",
        controller);
    assertFalse(launch("docker/entrypoint.sh", "migrate").contains(options()));
  }

  @Test
  void binRapStartsTheAgentWithTheQuickCompiler() throws Exception {
    assertTrue(launch("bin/rap", "--role=agent").startsWith(options() + " "));
    assertTrue(launch("bin/rap", "--role", "agent").startsWith(options() + " "));
    assertFalse(launch("bin/rap", "--role=controller").contains("TieredStopAtLevel"));
  }

  private static String options() {
    return String.join(" ", FleetBench.AGENT_JVM_OPTIONS);
  }

  /** Runs {@code script} with a {@code java} that prints its arguments; returns them. */
  private String launch(String script, String... args) throws IOException, InterruptedException {
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path java = bin.resolve("java");
    Files.writeString(java, "#!/bin/sh\necho \"$@\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    ProcessBuilder pb =
        new ProcessBuilder(
            concat(List.of("sh", Path.of(script).toAbsolutePath().toString()), List.of(args)));
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    pb.environment().remove("JAVA_HOME");
    pb.environment().remove("JAVA_OPTS");
    pb.environment().remove("RAP_JAVA_OPTS");
    pb.environment().put("RAP_JAR", tmp.resolve("rap.jar").toString());
    pb.redirectErrorStream(true);
    Process p = pb.start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), script + " did not finish");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return Stream.concat(a.stream(), b.stream()).toList();
  }
}

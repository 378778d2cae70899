package org.rap.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.agent.executor.docker.DockerApi;
import org.rap.common.pipeline.Pipeline;
import org.rap.common.pipeline.ProjectParser;

/** The local `run` mode against the real Docker engine and the local busybox images. */
class LocalRunnerTest {
  private final Vertx vertx = Vertx.vertx();
  @TempDir Path dir;

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private Path study(String yaml) throws Exception {
    Path p = dir.resolve("study");
    Files.createDirectories(p.resolve("analysis"));
    Files.writeString(p.resolve("project.yaml"), yaml);
    return p;
  }

  private List<ActionResult> run(
      Path project, List<String> actions, boolean force, boolean continueOnError) throws Exception {
    Pipeline pipeline = ProjectParser.parse(Files.readString(project.resolve("project.yaml")));
    List<String> lines = new ArrayList<>();
    LocalRunner.Options o =
        new LocalRunner.Options(
            project,
            actions,
            force,
            continueOnError,
            2,
            "256M",
            1.0,
            "ghcr.io/opensafely-core",
            false);
    try (LocalWorkspace ws = LocalWorkspace.open(project);
        DockerApi docker = DockerApi.connect(DockerApi.dockerHost())) {
      List<String> order = LocalPlan.plan(pipeline, actions, force, ws::succeededBefore);
      LocalRunner.Listener listener =
          new LocalRunner.Listener() {
            @Override
            public void stage(String action, String stage) {
              lines.add(action + ": " + stage);
            }

            @Override
            public void finished(ActionResult r) {
              lines.add(r.action() + ": " + r.state());
            }
          };
      LocalRunner runner = new LocalRunner(vertx, o, pipeline, ws, docker, listener);
      try {
        return runner.run(order).await();
      } finally {
        runner.close();
      }
    }
  }

  private static final String CHAIN =
      "version: '4.0'\n"
          + "actions:\n"
          + "  a:\n"
          + "    run: python:v2 sh -c 'mkdir -p output && echo 1 > output/a.csv'\n"
          + "    outputs: {highly_sensitive: {a: output/a.csv}}\n"
          + "  b:\n"
          + "    run: python:v2 sh -c 'cat output/a.csv > output/b.csv && echo 2 >> output/b.csv'\n"
          + "    needs: [a]\n"
          + "    outputs: {moderately_sensitive: {b: output/b.csv}}\n"
          + "  c:\n"
          + "    run: python:v2 sh -c 'exit 3'\n"
          + "    needs: [b]\n"
          + "    outputs: {moderately_sensitive: {c: output/c.csv}}\n"
          + "  d:\n"
          + "    run: python:v2 sh -c 'mkdir -p output && echo d > output/d.csv'\n"
          + "    needs: [c]\n"
          + "    outputs: {moderately_sensitive: {d: output/d.csv}}\n";

  @Tag("docker")
  @Test
  void runsDependenciesCopiesOutputsAndReusesSucceededOnes() throws Exception {
    Path project = study(CHAIN);
    List<ActionResult> first = run(project, List.of("b"), false, false);
    assertEquals(List.of("a", "b"), first.stream().map(ActionResult::action).toList());
    assertTrue(first.stream().allMatch(ActionResult::succeeded), first.toString());
    assertEquals("1\n2\n", Files.readString(project.resolve("output/b.csv")));
    assertTrue(Files.isRegularFile(project.resolve("metadata/b.log")));
    assertTrue(Files.readString(project.resolve("metadata/b.log")).contains("JOB SUMMARY"));

    // b again: a succeeded before, so only b runs, with a's outputs as input
    List<ActionResult> again = run(project, List.of("b"), false, false);
    assertEquals(List.of("b"), again.stream().map(ActionResult::action).toList());
    assertTrue(again.get(0).succeeded(), again.toString());
    // -f re-runs the dependency too
    List<ActionResult> forced = run(project, List.of("b"), true, false);
    assertEquals(2, forced.size());
    assertNoContainersLeft(forced);
  }

  @Tag("docker")
  @Test
  void failuresStopDependentsWithTheControllersMessages() throws Exception {
    Path project = study(CHAIN);
    List<ActionResult> r = run(project, List.of("d"), false, false);
    assertEquals(List.of("a", "b", "c", "d"), r.stream().map(ActionResult::action).toList());
    assertEquals("failed", r.get(2).state());
    assertEquals("Job exited with an error", r.get(2).message());
    assertEquals("Not starting as dependency failed", r.get(3).message());
    assertFalse(Files.exists(project.resolve("output/d.csv")));
  }

  @Tag("docker")
  @Test
  void outputsThatCannotBeFiledFailTheActionWithTheReason() throws Exception {
    Path project =
        study(
            "version: '4.0'\n"
                + "actions:\n"
                + "  x:\n"
                + "    run: python:v2 sh -c 'mkdir -p output && echo 1 > output/a\\\\b.csv'\n"
                + "    outputs: {highly_sensitive: {x: output/*.csv}}\n");
    List<ActionResult> r = run(project, List.of("x"), false, false);
    assertEquals("failed", r.get(0).state(), r.toString());
    assertEquals(
        "The job's outputs were not filed: 1 output file cannot be filed (the job log names them"
            + " and says why).",
        r.get(0).message());
    assertTrue(
        Files.readString(project.resolve("metadata/x.log")).contains("contains a backslash"));
  }

  @Test
  void unknownActionIsAClearError() throws Exception {
    Path project = study(CHAIN);
    Pipeline pipeline = ProjectParser.parse(Files.readString(project.resolve("project.yaml")));
    LocalPlan.UnknownActionException e =
        assertThrows(
            LocalPlan.UnknownActionException.class,
            () -> LocalPlan.plan(pipeline, List.of("nope"), false, a -> false));
    assertEquals("Action 'nope' not found in project.yaml", e.getMessage());
    assertEquals(List.of("run_all", "a", "b", "c", "d"), e.validActions());
    assertEquals(null, e.suggestion());
    LocalPlan.UnknownActionException typo =
        assertThrows(
            LocalPlan.UnknownActionException.class,
            () -> LocalPlan.plan(pipeline, List.of("run-all"), false, a -> false));
    assertEquals("run_all", typo.suggestion());
  }

  /** The executor removes every job container after finalizing. */
  private static void assertNoContainersLeft(List<ActionResult> results) throws Exception {
    for (ActionResult r : results) {
      Process p =
          new ProcessBuilder("docker", "ps", "-aq", "--filter", "name=os-job-" + r.jobId()).start();
      p.waitFor();
      assertEquals("", new String(p.getInputStream().readAllBytes()).strip(), r.action());
    }
  }
}

package org.rap.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.rap.Main;
import org.rap.agent.executor.docker.DockerApi;
import org.rap.common.telemetry.Logging;
import org.rap.local.LocalLeftovers;

/**
 * The build's class-data-sharing training run: {@code java -XX:ArchiveClassesAtExit=rap.jsa -cp
 * rap.jar org.rap.cli.CdsTraining} (pom.xml, package phase). The JVM writes every class loaded here
 * into the archive, which {@code bin/rap} maps at start, so the short commands skip parsing and
 * verifying thousands of classes. It runs what users start most, output discarded: {@code
 * --version}, {@code --help}, {@code check-project} and {@code run} of a three-action study (the
 * last only when a Docker engine answers and has the study's image: it never pulls).
 */
public final class CdsTraining {
  private static final String IMAGE = "python:v2";
  private static final String PROJECT =
      "version: '4.0'\n"
          + "actions:\n"
          + "  generate:\n"
          + "    run: "
          + IMAGE
          + " sh -c 'mkdir -p output && echo n > output/data.csv'\n"
          + "    outputs: {highly_sensitive: {data: output/data.csv}}\n"
          + "  analyse:\n"
          + "    run: "
          + IMAGE
          + " sh -c 'cat output/data.csv > output/summary.csv'\n"
          + "    needs: [generate]\n"
          + "    outputs: {moderately_sensitive: {summary: output/summary.csv}}\n"
          + "  report:\n"
          + "    run: "
          + IMAGE
          + " sh -c 'exit 3'\n"
          + "    needs: [analyse]\n"
          + "    outputs: {moderately_sensitive: {report: output/report.md}}\n";

  private CdsTraining() {}

  public static void main(String[] args) throws Exception {
    Logging.configure();
    PrintStream out = System.out;
    PrintStream err = System.err;
    Path dir = Files.createTempDirectory("rap-cds-training");
    boolean ran = false;
    try {
      Files.writeString(dir.resolve("project.yaml"), PROJECT);
      PrintStream none = new PrintStream(OutputStream.nullOutputStream());
      System.setOut(none);
      System.setErr(none);
      Main.execute("--version");
      Main.execute("--help");
      Main.execute("run", "--help");
      Main.execute("check-project", dir.resolve("project.yaml").toString());
      Main.execute("check-project", "--json", dir.resolve("project.yaml").toString());
      if (imagePresent()) {
        Main.execute("run", "run_all", "--project-dir", dir.toString());
        Main.execute("run", "nonexistent", "--project-dir", dir.toString());
        ran = true;
      }
    } finally {
      System.setOut(out);
      System.setErr(err);
      LocalLeftovers.deleteTree(dir);
    }
    out.println(
        "class-data-sharing training: --version, --help, check-project"
            + (ran ? ", run" : " (no Docker engine with " + IMAGE + ": run not trained)"));
  }

  private static boolean imagePresent() {
    String registry = System.getenv().getOrDefault("DOCKER_REGISTRY", "ghcr.io/opensafely-core");
    try (DockerApi docker = DockerApi.connect(DockerApi.dockerHost())) {
      return docker.inspectImage(registry + "/" + IMAGE).isPresent();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}

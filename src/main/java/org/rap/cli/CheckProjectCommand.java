package org.rap.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rap.common.pipeline.Action;
import org.rap.common.pipeline.Pipeline;
import org.rap.common.pipeline.ProjectLimits;
import org.rap.common.pipeline.ProjectParser;
import org.rap.common.pipeline.ProjectValidationError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rap check-project [--json] PATH}: validates a project.yaml with the reference's rules and
 * the default {@link ProjectLimits}. Exit status 0 when valid, 1 when invalid (also when larger
 * than the limit, which is checked before reading), 2 when the file cannot be read.
 */
@Command(
    name = "check-project",
    mixinStandardHelpOptions = true,
    description = {
      "Validate a project.yaml as the controller and job-server do.",
      "Exit status: 0 valid, 1 invalid, 2 unreadable file or usage error."
    })
public final class CheckProjectCommand implements Callable<Integer> {
  private static final String INVALID_PREFIX = "Invalid project: \n";

  @Option(
      names = "--json",
      description =
          "Print one JSON object: {\"valid\": true, \"version\", \"warnings\", \"actions\"}"
              + " or {\"valid\": false, \"error\"}.")
  boolean json;

  @Parameters(index = "0", paramLabel = "PATH", description = "The project.yaml file to check.")
  String path;

  @Override
  public Integer call() {
    PrintStream out = System.out;
    byte[] bytes;
    try {
      Path file = Path.of(path);
      if (Files.isDirectory(file)) {
        System.err.println("Cannot read " + path + ": it is a directory");
        return 2;
      }
      ProjectLimits.DEFAULT.checkSize(Files.size(file));
      bytes = Files.readAllBytes(file);
    } catch (ProjectValidationError e) {
      return invalid(e);
    } catch (NoSuchFileException e) {
      System.err.println("Cannot read " + path + ": no such file");
      return 2;
    } catch (AccessDeniedException e) {
      System.err.println("Cannot read " + path + ": permission denied");
      return 2;
    } catch (IOException | RuntimeException e) {
      System.err.println("Cannot read " + path + ": " + e.getMessage());
      return 2;
    }
    Pipeline pipeline;
    try {
      pipeline = ProjectParser.parse(bytes);
    } catch (ProjectValidationError e) {
      return invalid(e);
    }
    if (json) {
      out.println(toJson(pipeline).encode());
    } else {
      printSummary(out, pipeline);
    }
    return 0;
  }

  private int invalid(ProjectValidationError e) {
    if (json) {
      System.out.println(
          new JsonObject().put("valid", false).put("error", e.getMessage()).encode());
    } else {
      System.out.println("Invalid project: " + path);
      System.out.println(humanMessage(e.getMessage(), path));
    }
    return 1;
  }

  /** The message without the reference's empty-file-name prefix; YAML marks name the file. */
  static String humanMessage(String message, String path) {
    if (message.startsWith(INVALID_PREFIX)) {
      return message.substring(INVALID_PREFIX.length());
    }
    return message.replace("in \"<unicode string>\"", "in \"" + path + "\"");
  }

  static JsonObject toJson(Pipeline pipeline) {
    JsonArray actions = new JsonArray();
    for (Action a : pipeline.actions().values()) {
      JsonObject outputs = new JsonObject();
      for (Map.Entry<String, Map<String, String>> level : a.outputs().entrySet()) {
        JsonObject files = new JsonObject();
        level.getValue().forEach(files::put);
        outputs.put(level.getKey(), files);
      }
      actions.add(
          new JsonObject()
              .put("name", a.name())
              .put("run", new JsonArray(a.run()))
              .put("needs", new JsonArray(a.needs()))
              .put("is_database_action", a.databaseAction())
              .put("outputs", outputs));
    }
    return new JsonObject()
        .put("valid", true)
        .put("version", pipeline.version())
        .put("warnings", new JsonArray(pipeline.warnings()))
        .put("actions", actions);
  }

  private void printSummary(PrintStream out, Pipeline pipeline) {
    int n = pipeline.actions().size();
    out.println(
        "Valid project: "
            + path
            + " (version "
            + formatVersion(pipeline.version())
            + ", "
            + n
            + (n == 1 ? " action)" : " actions)"));
    for (String w : pipeline.warnings()) {
      out.println("Warning: " + w);
    }
    for (Action a : pipeline.actions().values()) {
      StringBuilder line = new StringBuilder("  ").append(a.name());
      if (a.databaseAction()) {
        line.append(" [database]");
      }
      if (!a.needs().isEmpty()) {
        line.append("  needs: ").append(String.join(", ", a.needs()));
      }
      out.println(line);
    }
  }

  private static String formatVersion(double v) {
    return v == Math.rint(v) && !Double.isInfinite(v)
        ? String.format("%.1f", v)
        : Double.toString(v);
  }
}

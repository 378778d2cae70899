package org.rap.agent.outputs;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.rap.common.model.JobOutcome;

/** The content of a job's {@code logs.txt} (docs/spec/agent-executor.md section 7.3). */
public final class JobLog {
  public static final String SUMMARY_MARKER = "=============JOB SUMMARY=============";
  static final List<String> KEYS_TO_LOG =
      List.of(
          "job_definition_id",
          "job_definition_rap_id",
          "commit",
          "docker_image_id",
          "exit_code",
          "created_at",
          "completed_at",
          "database_name",
          "status_message",
          "hint");

  private JobLog() {}

  /**
   * @param dockerLogs the container's timestamped stdout and stderr
   * @param metadata the job metadata (outputs, summary keys)
   * @param excluded level-4 excluded files and their reasons (may be empty)
   */
  public static String format(
      String dockerLogs, JsonObject metadata, Map<String, String> excluded) {
    StringBuilder sb = new StringBuilder(dockerLogs);
    if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '\n') {
      sb.append('\n');
    }
    return sb.append(summary(metadata, excluded, List.of(), List.of())).toString();
  }

  /**
   * What follows the container output in {@code logs.txt}: a blank line, the summary marker, the
   * summary keys, the outputs table and, when there are any, the level-4 exclusions, the outputs
   * that could not be filed and the files left out of the outputs (each line naming a file shown
   * safely, so no name can add a line).
   *
   * @param notFiled why matched outputs could not be filed (the job failed), one line each
   * @param leftOut files left out of the outputs and why (symlinks pointing outside the workspace,
   *     unreadable entries), one line each
   */
  public static String summary(
      JsonObject metadata,
      Map<String, String> excluded,
      List<String> notFiled,
      List<String> leftOut) {
    StringBuilder sb = new StringBuilder();
    sb.append('\n').append(SUMMARY_MARKER).append('\n');
    for (String key : KEYS_TO_LOG) {
      Object v = metadata.getValue(key);
      if (truthy(v)) {
        sb.append(key).append(": ").append(v).append('\n');
      }
    }
    sb.append("\noutputs:\n");
    Map<String, String> outputs = new TreeMap<>();
    JsonObject o = metadata.getJsonObject("outputs", new JsonObject());
    o.forEach(e -> outputs.put(e.getKey(), String.valueOf(e.getValue())));
    sb.append(tabulate(outputs, "(no outputs)"));
    if (excluded != null && !excluded.isEmpty()) {
      sb.append("\n\nInvalid moderately_sensitive outputs:\n");
      sb.append(tabulate(excluded, ""));
    }
    lines(sb, "Outputs that could not be filed:", notFiled);
    lines(sb, "Files left out of the outputs:", leftOut);
    sb.append('\n');
    return sb.toString();
  }

  private static void lines(StringBuilder sb, String title, List<String> lines) {
    if (lines == null || lines.isEmpty()) {
      return;
    }
    sb.append("\n\n").append(title);
    for (String line : lines) {
      // names in the lines are shown safely already; never let a line break the layout
      sb.append("\n  ").append(line.replace("\n", "\\n").replace("\r", "\\r"));
    }
  }

  /** Two aligned columns, indent 2, separator {@code " - "} (the reference's tabulate). */
  static String tabulate(Map<String, String> rows, String empty) {
    if (rows.isEmpty()) {
      return "  " + empty;
    }
    int w0 = rows.keySet().stream().mapToInt(k -> OutputNames.display(k).length()).max().orElse(0);
    int w1 = rows.values().stream().mapToInt(v -> OutputNames.display(v).length()).max().orElse(0);
    List<String> lines = new ArrayList<>();
    rows.forEach(
        (k, v) ->
            lines.add(
                "  " + pad(OutputNames.display(k), w0) + "  - " + pad(OutputNames.display(v), w1)));
    return String.join("\n", lines);
  }

  private static String pad(String s, int w) {
    return s.length() >= w ? s : s + " ".repeat(w - s.length());
  }

  static boolean truthy(Object v) {
    return JobOutcome.truthy(v);
  }
}

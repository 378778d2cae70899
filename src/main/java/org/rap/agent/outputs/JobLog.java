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
    sb.append('\n');
    return sb.toString();
  }

  /** Two aligned columns, indent 2, separator {@code " - "} (the reference's tabulate). */
  static String tabulate(Map<String, String> rows, String empty) {
    if (rows.isEmpty()) {
      return "  " + empty;
    }
    int w0 = rows.keySet().stream().mapToInt(String::length).max().orElse(0);
    int w1 = rows.values().stream().mapToInt(String::length).max().orElse(0);
    List<String> lines = new ArrayList<>();
    rows.forEach((k, v) -> lines.add("  " + pad(k, w0) + "  - " + pad(v, w1)));
    return String.join("\n", lines);
  }

  private static String pad(String s, int w) {
    return s.length() >= w ? s : s + " ".repeat(w - s.length());
  }

  static boolean truthy(Object v) {
    return JobOutcome.truthy(v);
  }
}

package org.rap.agent.poller;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.rap.agent.executor.DbTaskException;

/**
 * The allow-lists of the DB tasks (docs/spec/agent-executor.md section 11). Only the last line of
 * standard output (stripped) is considered, and an answer outside the list is rejected without
 * echoing it, so a compromised image cannot exfiltrate data through the controller.
 */
public final class DbTaskAnswers {
  public static final List<String> DB_STATUS_ALLOWED =
      List.of(
          "",
          "db-maintenance",
          "db-maintenance;0",
          "db-maintenance;1",
          "db-maintenance;2",
          "none;0",
          "none;1",
          "none;2");
  public static final List<String> DATA_CHECK_ALLOWED = List.of("OK", "FAILED");

  private DbTaskAnswers() {}

  /** {@code {"status": "db-maintenance"}} or {@code {"status": ""}}. */
  public static JsonObject dbStatus(String stdout) {
    String answer = allowed(lastLine(stdout), DB_STATUS_ALLOWED);
    String mode = answer.split(";", -1)[0];
    return new JsonObject().put("status", mode.equals("db-maintenance") ? "db-maintenance" : "");
  }

  /** {@code {"status": "OK"}} or {@code {"status": "FAILED"}}. */
  public static JsonObject dataCheck(String stdout) {
    return new JsonObject().put("status", allowed(lastLine(stdout), DATA_CHECK_ALLOWED));
  }

  /** The build count of a {@code <mode>;<n>} status answer, or null (traced only). */
  public static Integer buildCount(String stdout) {
    String last = lastLine(stdout);
    int i = last.indexOf(';');
    return i < 0 ? null : Integer.valueOf(last.substring(i + 1));
  }

  static String lastLine(String stdout) {
    String s = stdout == null ? "" : stdout.strip();
    String[] lines = s.split("\n", -1);
    return lines[lines.length - 1].strip();
  }

  private static String allowed(String answer, List<String> allowed) {
    if (!allowed.contains(answer)) {
      throw new DbTaskException(
          "ValueError", "Invalid status, expected one of: " + String.join(",", allowed));
    }
    return answer;
  }
}

package org.rap.controller.scheduler;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.rap.common.model.StatusCode;
import org.rap.common.model.StatusMessages;

/**
 * Interprets the results of a completed RUNJOB task (scheduling.md section 2.5): the agent's error
 * first, then exit code, unmatched patterns and level-4 exclusions.
 */
public final class TaskResults {
  /** Reference test hook: an agent error containing this text is fatal at once. */
  public static final String FATAL_TEST_HOOK = "test_job_failure";

  private TaskResults() {}

  /** A final (or retry) code with its message. */
  public record Verdict(StatusCode code, String message) {}

  /** Whether the results carry a truthy {@code error} (Python truthiness). */
  public static boolean hasError(JsonObject results) {
    if (results == null || !results.containsKey("error")) {
      throw new IllegalStateException("Task results have no 'error' key: " + (results == null ? "null" : results.encode()));
    }
    return truthy(results.getValue("error"));
  }

  /** The error as text, for messages and the fatal test hook. */
  public static String errorText(JsonObject results) {
    Object e = results.getValue("error");
    return e instanceof JsonObject o ? o.encode() : String.valueOf(e);
  }

  public static boolean isFatal(JsonObject results) {
    return errorText(results).contains(FATAL_TEST_HOOK);
  }

  /** The verdict for results without an error. */
  public static Verdict verdict(JsonObject results, boolean requiresDb) {
    Integer exitCode = exitCode(results.getValue("exit_code"));
    if (exitCode == null || exitCode != 0) {
      String message = StatusMessages.NONZERO_EXIT;
      Object agentMessage = results.getValue("status_message");
      if (agentMessage instanceof String s && !s.isEmpty()) {
        message += ": " + s;
      } else if (requiresDb && exitCode != null) {
        String dbMessage = StatusMessages.DATABASE_EXIT_CODES.get(exitCode);
        if (dbMessage != null) {
          message += ": " + dbMessage;
        }
      }
      return new Verdict(StatusCode.NONZERO_EXIT, message);
    }
    if (truthy(results.getValue("has_unmatched_patterns"))) {
      return new Verdict(StatusCode.UNMATCHED_PATTERNS, StatusMessages.UNMATCHED_PATTERNS);
    }
    String message = StatusMessages.SUCCEEDED;
    if (truthy(results.getValue("has_level4_excluded_files"))) {
      message += StatusMessages.LEVEL4_EXCLUDED_SUFFIX;
    }
    return new Verdict(StatusCode.SUCCEEDED, message);
  }

  static Integer exitCode(Object raw) {
    if (raw instanceof Number n) {
      double d = n.doubleValue();
      return d == Math.rint(d) ? (int) d : null;
    }
    if (raw instanceof String s) {
      try {
        return Integer.parseInt(s.strip());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  static boolean truthy(Object v) {
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Number n) {
      return n.doubleValue() != 0;
    }
    if (v instanceof String s) {
      return !s.isEmpty();
    }
    if (v instanceof JsonObject o) {
      return !o.isEmpty();
    }
    if (v instanceof JsonArray a) {
      return !a.isEmpty();
    }
    if (v instanceof Map<?, ?> m) {
      return !m.isEmpty();
    }
    return true;
  }
}

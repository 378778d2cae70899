package org.rap.common.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.Map;

/**
 * The final code and message for a job's redacted results (docs/spec/scheduling.md section 2.5),
 * shared by the scheduler and the local run mode: a missing or non-numeric exit code counts as
 * non-zero; database jobs get the exit-code message when the agent gave none.
 */
public record JobOutcome(StatusCode code, String message) {

  public static JobOutcome fromResults(JsonObject results, boolean requiresDb) {
    JsonObject r = results == null ? new JsonObject() : results;
    Integer exit = exitCode(r.getValue("exit_code"));
    if (exit == null || exit != 0) {
      String message = StatusMessages.NONZERO_EXIT;
      if (r.getValue("status_message") instanceof String s && !s.isEmpty()) {
        message += ": " + s;
      } else if (requiresDb
          && exit != null
          && StatusMessages.DATABASE_EXIT_CODES.containsKey(exit)) {
        message += ": " + StatusMessages.DATABASE_EXIT_CODES.get(exit);
      }
      return new JobOutcome(StatusCode.NONZERO_EXIT, message);
    }
    if (truthy(r.getValue("has_unmatched_patterns"))) {
      return new JobOutcome(StatusCode.UNMATCHED_PATTERNS, StatusMessages.UNMATCHED_PATTERNS);
    }
    String message = StatusMessages.SUCCEEDED;
    if (truthy(r.getValue("has_level4_excluded_files"))) {
      message += StatusMessages.LEVEL4_EXCLUDED_SUFFIX;
    }
    return new JobOutcome(StatusCode.SUCCEEDED, message);
  }

  /**
   * The reference's {@code int()} reading: integral numbers and numeric text; anything else null.
   */
  public static Integer exitCode(Object raw) {
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

  /** Python truthiness of a JSON value. */
  public static boolean truthy(Object v) {
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
    if (v instanceof Collection<?> c) {
      return !c.isEmpty();
    }
    return true;
  }
}

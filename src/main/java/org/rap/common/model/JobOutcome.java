package org.rap.common.model;

import io.vertx.core.json.JsonObject;

/**
 * The final code and message for a job's redacted results (scheduling.md section 2.5): a missing
 * or non-numeric exit code counts as non-zero; database jobs get the exit-code message when the
 * agent gave none.
 */
public record JobOutcome(StatusCode code, String message) {

  public static JobOutcome fromResults(JsonObject results, boolean requiresDb) {
    JsonObject r = results == null ? new JsonObject() : results;
    Integer exit = exitCode(r.getValue("exit_code"));
    if (exit == null || exit != 0) {
      String agentMessage = r.getValue("status_message") instanceof String s ? s : "";
      String message = StatusMessages.NONZERO_EXIT;
      if (!agentMessage.isEmpty()) {
        message += ": " + agentMessage;
      } else if (requiresDb && exit != null && StatusMessages.DATABASE_EXIT_CODES.containsKey(exit)) {
        message += ": " + StatusMessages.DATABASE_EXIT_CODES.get(exit);
      }
      return new JobOutcome(StatusCode.NONZERO_EXIT, message);
    }
    if (Boolean.TRUE.equals(r.getValue("has_unmatched_patterns"))) {
      return new JobOutcome(StatusCode.UNMATCHED_PATTERNS, StatusMessages.UNMATCHED_PATTERNS);
    }
    String message = StatusMessages.SUCCEEDED;
    if (Boolean.TRUE.equals(r.getValue("has_level4_excluded_files"))) {
      message += StatusMessages.LEVEL4_EXCLUDED_SUFFIX;
    }
    return new JobOutcome(StatusCode.SUCCEEDED, message);
  }

  /** The reference's {@code int()} reading: integers and integral numbers; anything else null. */
  public static Integer exitCode(Object value) {
    if (value instanceof Integer i) {
      return i;
    }
    if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.intValue();
    }
    if (value instanceof String s) {
      try {
        return Integer.parseInt(s.strip());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }
}

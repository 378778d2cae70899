package org.rap.controller.scheduler;

import io.vertx.core.json.JsonObject;
import org.rap.common.model.JobOutcome;
import org.rap.common.model.StatusCode;

/**
 * Interprets the results of a completed RUNJOB task (docs/spec/scheduling.md section 2.5): the
 * agent's error first, then exit code, unmatched patterns and level-4 exclusions.
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
      throw new IllegalStateException(
          "Task results have no 'error' key: " + (results == null ? "null" : results.encode()));
    }
    return truthy(results.getValue("error"));
  }

  /** Like {@link #hasError}, but results without an {@code error} key count as no error. */
  public static boolean erroredSafely(JsonObject results) {
    return results != null && results.containsKey("error") && truthy(results.getValue("error"));
  }

  /** The error as text, for messages and the fatal test hook. */
  public static String errorText(JsonObject results) {
    Object e = results.getValue("error");
    return e instanceof JsonObject o ? o.encode() : String.valueOf(e);
  }

  public static boolean isFatal(JsonObject results) {
    return errorText(results).contains(FATAL_TEST_HOOK);
  }

  /**
   * The message of an error the agent marked {@code permanent: true} (another attempt cannot
   * succeed: docs/spec/scheduling.md section 2.5), or null for any other error.
   */
  public static String permanentMessage(JsonObject results) {
    if (results.getValue("error") instanceof JsonObject e
        && Boolean.TRUE.equals(e.getValue("permanent"))) {
      Object m = e.getValue("message");
      return m == null ? "" : String.valueOf(m);
    }
    return null;
  }

  /** The verdict for results without an error. */
  public static Verdict verdict(JsonObject results, boolean requiresDb) {
    JobOutcome o = JobOutcome.fromResults(results, requiresDb);
    return new Verdict(o.code(), o.message());
  }

  static boolean truthy(Object v) {
    return JobOutcome.truthy(v);
  }
}

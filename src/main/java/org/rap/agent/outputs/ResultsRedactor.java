package org.rap.agent.outputs;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.Map;

/**
 * Removes everything that could reveal file names from job metadata before it leaves the agent
 * (docs/spec/agent-executor.md section 10). Idempotent: redacting redacted results changes nothing.
 * One deliberate difference: with unmatched patterns the reference blanks any status message; here
 * only messages that could name files are blanked (the fixed agent messages such as {@code Job ran
 * out of memory (limit was 0.02GB)} are kept). The hint is always blanked.
 */
public final class ResultsRedactor {
  private ResultsRedactor() {}

  /** The results to send; {@code null} and {@code {}} are returned as they are. */
  public static JsonObject redact(JsonObject metadata) {
    if (metadata == null || metadata.isEmpty()) {
      return metadata;
    }
    JsonObject r = metadata.copy();
    boolean hasUnmatched =
        nonEmpty(r.getValue("unmatched_outputs")) || nonEmpty(r.getValue("unmatched_patterns"));
    boolean hasExcluded = nonEmpty(r.getValue("level4_excluded_files"));
    boolean alreadyRedacted = r.containsKey("has_unmatched_patterns");
    r.remove("outputs");
    r.remove("unmatched_outputs");
    r.remove("unmatched_patterns");
    r.remove("level4_excluded_files");
    if (alreadyRedacted) {
      hasUnmatched = r.getBoolean("has_unmatched_patterns", false);
      hasExcluded = hasExcluded || r.getBoolean("has_level4_excluded_files", false);
    }
    if (hasUnmatched) {
      if (!namesNoFiles(r.getValue("status_message"))) {
        r.put("status_message", "");
      }
      r.put("hint", "");
    }
    r.put("has_unmatched_patterns", hasUnmatched);
    r.put("has_level4_excluded_files", hasExcluded);
    return r;
  }

  /**
   * The agent's fixed messages name no files, so they survive even when patterns went unmatched
   * (the reference blanks them too, which hides e.g. an out-of-memory kill from users).
   */
  static boolean namesNoFiles(Object message) {
    if (!(message instanceof String s)) {
      return message == null;
    }
    return s.isEmpty()
        || s.equals("Completed successfully")
        || s.equals("Job cancelled by system")
        || s.equals("Job errored")
        || s.equals("Job killed by OpenSAFELY admin or memory limits")
        || s.matches("Job ran out of memory( \\(limit was [0-9.]+GB\\))?");
  }

  private static boolean nonEmpty(Object v) {
    if (v == null) {
      return false;
    }
    if (v instanceof JsonArray a) {
      return !a.isEmpty();
    }
    if (v instanceof JsonObject o) {
      return !o.isEmpty();
    }
    if (v instanceof Map<?, ?> m) {
      return !m.isEmpty();
    }
    if (v instanceof Collection<?> c) {
      return !c.isEmpty();
    }
    if (v instanceof Boolean b) {
      return b;
    }
    return !String.valueOf(v).isEmpty();
  }
}

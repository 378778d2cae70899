package org.rap.agent.poller;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Last line of defence before results leave the agent (docs/spec/agent-executor.md section 10): the
 * executor already redacts, but keys that could name output files are stripped again here, and when
 * any were present with content the free-text {@code status_message}/{@code hint} (which may name
 * files) are blanked.
 */
public final class ResultsGuard {
  static final List<String> FILE_NAME_KEYS =
      List.of("outputs", "unmatched_outputs", "unmatched_patterns", "level4_excluded_files");

  private ResultsGuard() {}

  /** A redacted copy (null stays null). */
  public static JsonObject redact(JsonObject results) {
    if (results == null) {
      return null;
    }
    JsonObject copy = results.copy();
    boolean unmatched =
        nonEmpty(copy.getValue("unmatched_outputs"))
            || nonEmpty(copy.getValue("unmatched_patterns"));
    boolean excluded = nonEmpty(copy.getValue("level4_excluded_files"));
    boolean hadKeys = false;
    for (String k : FILE_NAME_KEYS) {
      hadKeys |= copy.containsKey(k);
      copy.remove(k);
    }
    if (hadKeys) {
      if (unmatched) {
        copy.put("status_message", "");
        copy.put("hint", "");
      }
      if (!copy.containsKey("has_unmatched_patterns")) {
        copy.put("has_unmatched_patterns", unmatched);
      }
      if (!copy.containsKey("has_level4_excluded_files")) {
        copy.put("has_level4_excluded_files", excluded);
      }
    }
    return copy;
  }

  private static boolean nonEmpty(Object v) {
    if (v == null) {
      return false;
    }
    if (v instanceof JsonObject o) {
      return !o.isEmpty();
    }
    if (v instanceof JsonArray a) {
      return !a.isEmpty();
    }
    return !(v instanceof Boolean b) || b;
  }
}

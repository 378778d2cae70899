package org.rap.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What happened to one action of a local run.
 *
 * @param state {@code succeeded}, {@code failed} or {@code not started}
 * @param outputs output files copied into the study directory and their privacy level
 * @param excluded moderately_sensitive outputs kept out of medium privacy, with the reason
 * @param unmatchedOutputs files the job wrote that no output pattern matched (when a pattern
 *     matched nothing)
 * @param log the action's log, relative to the study directory (null when it never ran)
 * @param exitCode the container's exit code (null when it never ran)
 * @param hint what to try next, when there is something to say
 */
public record ActionResult(
    String action,
    String jobId,
    String state,
    String message,
    Map<String, String> outputs,
    Map<String, String> excluded,
    List<String> unmatchedOutputs,
    Path log,
    Integer exitCode,
    boolean oomKilled,
    String hint,
    Duration took) {

  static ActionResult notRun(String action, String state, String message) {
    return failed(action, null, state, message, Duration.ZERO);
  }

  /** An action whose job could not run to the end (no outputs, no log, no exit code). */
  static ActionResult failed(
      String action, String jobId, String state, String message, Duration took) {
    return new ActionResult(
        action, jobId, state, message, Map.of(), Map.of(), List.of(), null, null, false, null,
        took);
  }

  public boolean succeeded() {
    return state.equals("succeeded");
  }

  /** Never started because a dependency failed or the run stopped first. */
  public boolean skipped() {
    return jobId == null;
  }
}

package org.rap.agent.executor;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import org.rap.agent.outputs.OutputNames;

/**
 * The agent status message and hint of a finalized job (docs/spec/agent-executor.md section 6 step
 * 4). Patterns and file names in them are shown safely (a name cannot add a line to the job log).
 */
public final class FinalizeMessages {
  /** The reference's Docker exit-code map. */
  public static final Map<Integer, String> DOCKER_EXIT_CODES =
      Map.of(137, "Job killed by OpenSAFELY admin or memory limits");

  public record Message(String statusMessage, String hint) {}

  private FinalizeMessages() {}

  /**
   * @param run the runtime's report of the job's run, or null when it had none
   */
  public static Message of(
      JobRun run,
      boolean cancelled,
      boolean error,
      Map<String, String> outputs,
      List<String> unmatchedPatterns,
      List<String> unmatchedOutputs) {
    if (run == null) {
      if (cancelled) {
        return new Message("Job cancelled by system", null);
      }
      return new Message(error ? "Job errored" : null, null);
    }
    int exit = run.exitCode() == null ? 0 : run.exitCode();
    if (exit == 0 && !outputs.isEmpty() && unmatchedPatterns.isEmpty()) {
      return new Message("Completed successfully", null);
    }
    if (exit == 0 && !unmatchedPatterns.isEmpty()) {
      String message =
          "\n  No outputs found matching patterns:\n - "
              + String.join(
                  "\n   - ", unmatchedPatterns.stream().map(OutputNames::display).toList());
      String hint = null;
      if (!unmatchedOutputs.isEmpty()) {
        hint =
            "\n  Did you mean to match one of these files instead?\n - "
                + String.join("\n   - ", unmatchedOutputs);
      }
      return new Message(message, hint);
    }
    if (exit == 137 && cancelled) {
      return new Message("Job cancelled by system", null);
    }
    if (exit == 137 && Boolean.TRUE.equals(run.oomKilled())) {
      String message = "Job ran out of memory";
      long limit = run.memoryLimitBytes();
      if (limit > 0) {
        message +=
            " (limit was "
                + new BigDecimal(limit / (1024.0 * 1024 * 1024))
                    .setScale(2, RoundingMode.HALF_EVEN)
                    .toPlainString()
                + "GB)";
      }
      return new Message(message, null);
    }
    return new Message(DOCKER_EXIT_CODES.get(exit), null);
  }
}

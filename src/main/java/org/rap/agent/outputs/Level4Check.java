package org.rap.agent.outputs;

/**
 * Outcome of the level-4 checks for one moderately_sensitive output.
 *
 * @param reason the reasons joined with {@code ,} (stored in metadata and manifest), null when ok
 * @param explanation the user-facing text written to {@code <path>.txt}, null when ok
 * @param rows CSV data rows, null for non-CSV files (or an unreadable CSV)
 * @param cols CSV columns, null for non-CSV files
 */
public record Level4Check(String reason, String explanation, Integer rows, Integer cols) {
  public boolean ok() {
    return reason == null;
  }
}

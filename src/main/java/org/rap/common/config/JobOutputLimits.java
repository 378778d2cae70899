package org.rap.common.config;

/**
 * What one job may leave behind (docs/spec/agent-executor.md section 13): the bytes of its
 * container output kept in its job log ({@code MAX_LOG_BYTES}, the end is kept), and the total
 * apparent size ({@code MAX_OUTPUT_BYTES}) and number ({@code MAX_OUTPUT_FILES}) of its outputs.
 */
public record JobOutputLimits(long maxLogBytes, long maxOutputBytes, long maxOutputFiles) {
  public static final long DEFAULT_MAX_LOG_BYTES = 16L << 20;
  public static final long DEFAULT_MAX_OUTPUT_BYTES = 32L << 30;
  public static final long DEFAULT_MAX_OUTPUT_FILES = 10_000;

  /** The defaults. */
  public static final JobOutputLimits DEFAULTS =
      new JobOutputLimits(
          DEFAULT_MAX_LOG_BYTES, DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_OUTPUT_FILES);

  static JobOutputLimits from(Settings s) {
    return new JobOutputLimits(
        s.bytes("MAX_LOG_BYTES", DEFAULT_MAX_LOG_BYTES, 4096),
        s.bytes("MAX_OUTPUT_BYTES", DEFAULT_MAX_OUTPUT_BYTES, 0),
        s.longValue("MAX_OUTPUT_FILES", DEFAULT_MAX_OUTPUT_FILES, 1));
  }
}

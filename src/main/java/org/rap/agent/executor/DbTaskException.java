package org.rap.agent.executor;

import java.util.List;

/**
 * A DB task failure carrying the exception type reported to the controller in the error envelope
 * ({@code {"type": ..., "message": ...}}), using the reference's Python names where there is one
 * ({@code KeyError}, {@code ValueError}, {@code CalledProcessError}).
 */
public final class DbTaskException extends RuntimeException {
  private final String type;

  public DbTaskException(String type, String message) {
    super(message);
    this.type = type;
  }

  public DbTaskException(String type, String message, Throwable cause) {
    super(message, cause);
    this.type = type;
  }

  /** The reference's error for a task whose command exited with {@code code} (null: unknown). */
  public static DbTaskException nonZeroExit(List<String> args, String image, Integer code) {
    return new DbTaskException(
        "CalledProcessError",
        "Command '"
            + String.join(" ", args)
            + "' in image "
            + image
            + " returned non-zero exit status "
            + code
            + ".");
  }

  public String type() {
    return type;
  }
}

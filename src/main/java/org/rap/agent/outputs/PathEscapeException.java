package org.rap.agent.outputs;

/** A relative path or pattern that would leave its root directory (`..`, absolute, symlink). */
public final class PathEscapeException extends RuntimeException {
  public PathEscapeException(String message) {
    super(message);
  }
}

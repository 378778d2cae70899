package org.rap.common.git;

/**
 * A git failure whose message is safe to show to users (no access token) and is the reference's
 * text ({@code Error fetching commit <sha> from <url>}, {@code Could not read from <url>}, ...).
 * The cause, when present, is already redacted.
 */
public class GitException extends Exception {
  public GitException(String message) {
    super(message);
  }

  public GitException(String message, Throwable cause) {
    super(message, cause);
  }
}

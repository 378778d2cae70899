package org.rap.common.git;

/** The remote could not be listed: {@code Could not read from <url>}. */
public final class GitRepoNotReachableException extends GitException {
  public GitRepoNotReachableException(String url, Throwable redactedCause) {
    super("Could not read from " + url, redactedCause);
  }
}

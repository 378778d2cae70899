package org.rap.common.git;

/** The remote has no such ref: {@code Could not find ref '<ref>' in <url>}. */
public final class GitUnknownRefException extends GitException {
  public GitUnknownRefException(String ref, String url) {
    super("Could not find ref '" + ref + "' in " + url);
  }
}

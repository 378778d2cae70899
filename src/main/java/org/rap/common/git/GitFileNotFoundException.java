package org.rap.common.git;

/** The file does not exist at that commit: {@code File '<path>' not found in repository}. */
public final class GitFileNotFoundException extends GitException {
  public GitFileNotFoundException(String path) {
    super("File '" + path + "' not found in repository");
  }
}

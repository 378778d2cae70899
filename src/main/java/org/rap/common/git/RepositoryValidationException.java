package org.rap.common.git;

/**
 * A repository, branch or commit rejected by the rules of docs/spec/scheduling.md section 6.10; the
 * message is the reference's exact text.
 */
public final class RepositoryValidationException extends GitException {
  public RepositoryValidationException(String message) {
    super(message);
  }
}

package org.rap.common.pipeline;

/** An invalid project.yaml; the message is the reference's exact text where it has one. */
public final class ProjectValidationError extends Exception {
  public ProjectValidationError(String message) {
    super(message);
  }
}

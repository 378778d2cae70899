package org.rap.common.model;

/** Coarse job state. {@code failed} and {@code succeeded} are terminal. */
public enum State {
  PENDING("pending"),
  RUNNING("running"),
  FAILED("failed"),
  SUCCEEDED("succeeded");

  private final String value;

  State(String value) {
    this.value = value;
  }

  public String value() {
    return value;
  }

  public boolean isFinal() {
    return this == FAILED || this == SUCCEEDED;
  }

  public static State fromValue(String value) {
    for (State s : values()) {
      if (s.value.equals(value)) {
        return s;
      }
    }
    throw new IllegalArgumentException("Unknown job state: " + value);
  }

  @Override
  public String toString() {
    return value;
  }
}

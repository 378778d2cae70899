package org.rap.common.model;

/** The two storage trees of a backend: level 3 (high) and level 4 (medium). */
public enum Privacy {
  HIGH("high"),
  MEDIUM("medium");

  private final String value;

  Privacy(String value) {
    this.value = value;
  }

  public String value() {
    return value;
  }
}

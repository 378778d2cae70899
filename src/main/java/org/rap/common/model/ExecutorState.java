package org.rap.common.model;

/** Executor state of a job as the agent derives it from Docker and disk. */
public enum ExecutorState {
  PREPARING("preparing"),
  PREPARED("prepared"),
  EXECUTING("executing"),
  EXECUTED("executed"),
  FINALIZING("finalizing"),
  FINALIZED("finalized"),
  UNKNOWN("unknown"),
  ERROR("error");

  private final String value;

  ExecutorState(String value) {
    this.value = value;
  }

  public String value() {
    return value;
  }

  public static ExecutorState fromValue(String value) {
    for (ExecutorState s : values()) {
      if (s.value.equals(value)) {
        return s;
      }
    }
    throw new IllegalArgumentException("Unknown executor state: " + value);
  }

  @Override
  public String toString() {
    return value;
  }
}

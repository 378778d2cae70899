package org.rap.common.model;

/** Kinds of task handed to an agent. */
public enum TaskType {
  RUNJOB("runjob"),
  CANCELJOB("canceljob"),
  DBSTATUS("dbstatus"),
  DBDATACHECK("dbdatacheck");

  private final String value;

  TaskType(String value) {
    this.value = value;
  }

  public String value() {
    return value;
  }

  public boolean isJobTask() {
    return this == RUNJOB || this == CANCELJOB;
  }

  public static TaskType fromValue(String value) {
    for (TaskType t : values()) {
      if (t.value.equals(value)) {
        return t;
      }
    }
    throw new IllegalArgumentException("Unknown task type: " + value);
  }

  @Override
  public String toString() {
    return value;
  }
}

package org.rap.agent.poller;

/** What one handling of a task achieved; tells the dispatcher when to handle the task again. */
public enum Handled {
  /** Reported complete: never handled again while the controller lists it. */
  COMPLETE,
  /** Advanced one transition and can advance again at once (e.g. prepared, or executed). */
  ADVANCED,
  /** The job's container is running: handle again when it exits (or on a later poll). */
  RUNNING,
  /** Nothing changed: handle again on a later poll. */
  UNCHANGED;

  public boolean complete() {
    return this == COMPLETE;
  }
}

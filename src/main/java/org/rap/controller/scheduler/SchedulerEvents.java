package org.rap.controller.scheduler;

/** Event-bus addresses shared by the controller's verticles (HELPERS.md convention). */
public final class SchedulerEvents {
  public static final String JOB_CREATED = "controller.job.created";
  public static final String JOB_CANCELLED = "controller.job.cancelled";
  public static final String TASK_CREATED = "controller.task.created";
  public static final String TASK_UPDATED = "controller.task.updated";
  public static final String FLAG_CHANGED = "controller.flag.changed";

  /** The addresses that wake the scheduler. */
  public static final String[] WAKE_ADDRESSES = {
    JOB_CREATED, JOB_CANCELLED, TASK_UPDATED, FLAG_CHANGED
  };

  private SchedulerEvents() {}
}

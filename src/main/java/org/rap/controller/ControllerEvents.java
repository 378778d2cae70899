package org.rap.controller;

import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The controller's event-bus addresses and messages, in one place: what the RAP API, the task API,
 * job creation and the scheduler tell each other. Every message is a JSON object naming the
 * backend. With PostgreSQL the scheduler's event bridge carries them to the other controller
 * processes on the same database.
 */
public final class ControllerEvents {
  /** Jobs were created: {@code {backend, count}}. */
  public static final String JOB_CREATED = "controller.job.created";

  /** Actions of a RAP were cancelled: {@code {backend, rap_id}}. */
  public static final String JOB_CANCELLED = "controller.job.cancelled";

  /** A task was created for a backend's agents: {@code {backend, task_id}}. */
  public static final String TASK_CREATED = "controller.task.created";

  /** An agent reported on a task: {@code {backend, task_id}}. */
  public static final String TASK_UPDATED = "controller.task.updated";

  /** A backend flag changed: {@code {backend, flag}}. */
  public static final String FLAG_CHANGED = "controller.flag.changed";

  /** Every address above. */
  public static final List<String> ALL =
      List.of(JOB_CREATED, JOB_CANCELLED, TASK_CREATED, TASK_UPDATED, FLAG_CHANGED);

  /** The addresses that wake the scheduler. */
  public static final List<String> WAKE_SCHEDULER =
      List.of(JOB_CREATED, JOB_CANCELLED, TASK_UPDATED, FLAG_CHANGED);

  private ControllerEvents() {}

  public static void jobsCreated(EventBus bus, String backend, int count) {
    bus.publish(JOB_CREATED, new JsonObject().put("backend", backend).put("count", count));
  }

  public static void jobsCancelled(EventBus bus, String backend, String rapId) {
    bus.publish(JOB_CANCELLED, new JsonObject().put("backend", backend).put("rap_id", rapId));
  }

  public static void taskCreated(EventBus bus, String backend, String taskId) {
    bus.publish(TASK_CREATED, new JsonObject().put("backend", backend).put("task_id", taskId));
  }

  public static void taskUpdated(EventBus bus, String backend, String taskId) {
    bus.publish(TASK_UPDATED, new JsonObject().put("backend", backend).put("task_id", taskId));
  }

  public static void flagChanged(EventBus bus, String backend, String flag) {
    bus.publish(FLAG_CHANGED, new JsonObject().put("backend", backend).put("flag", flag));
  }

  /** The backend a message of these addresses names, or null. */
  public static String backendOf(Object body) {
    return body instanceof JsonObject o ? o.getString("backend") : null;
  }
}

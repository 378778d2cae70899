package org.rap.common.tasks;

/**
 * The names of the task API (docs/spec/task-api.md; {@code openapi/task-api.yaml}) that the
 * controller serves and the agent calls: paths below the controller's web root, query parameters
 * and headers. Tokens travel raw in {@code Authorization} (no {@code Bearer}).
 */
public final class TaskProtocol {
  /** Response header of {@code GET /<backend>/tasks/}: the version of the listed tasks. */
  public static final String VERSION_HEADER = "RAP-Tasks-Version";

  /** Query parameter: hold the request up to this many seconds (long polling). */
  public static final String WAIT = "wait";

  /** Query parameter: the version the agent already has; held while the list is that one. */
  public static final String KNOWN = "known";

  private TaskProtocol() {}

  /** {@code <backend>/tasks/}, relative to the controller's web root. */
  public static String tasksPath(String backend) {
    return backend + "/tasks/";
  }

  /** {@code <backend>/task/update/}, relative to the controller's web root. */
  public static String updatePath(String backend) {
    return backend + "/task/update/";
  }
}

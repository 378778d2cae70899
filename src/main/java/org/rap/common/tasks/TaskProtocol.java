package org.rap.common.tasks;

/**
 * The names of the task API (docs/spec/task-api.md; {@code openapi/task-api.yaml}) that the
 * controller serves and the agent calls: paths below the controller's web root, query parameters
 * and headers. Tokens travel raw in {@code Authorization} (no {@code Bearer}).
 */
public final class TaskProtocol {
  /** Response header of {@code GET /<backend>/tasks/}: the version of the listed tasks. */
  public static final String VERSION_HEADER = "RAP-Tasks-Version";

  /**
   * Request header: the id of the agent sending the request (section 8). A request without it comes
   * from the one agent of its backend that has no id (the reference's agent).
   */
  public static final String AGENT_ID_HEADER = "RAP-Agent-Id";

  /** Request header of a poll: how many jobs the agent runs at once (section 8). */
  public static final String CAPACITY_HEADER = "RAP-Agent-Capacity";

  /**
   * Request header of a poll: the ids of the storage the agent found (its high- and medium-privacy
   * trees' markers); the agents of a backend must share one storage.
   */
  public static final String STORAGE_HEADER = "RAP-Agent-Storage";

  /** Request header of an update: the fencing token of the lease the task is held under. */
  public static final String LEASE_TOKEN_HEADER = "RAP-Lease-Token";

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

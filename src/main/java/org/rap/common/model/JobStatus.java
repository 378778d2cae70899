package org.rap.common.model;

/**
 * The part of a job that changes after it is created: its place in the state machine
 * (docs/job-states.md), the cancel request and the bookkeeping timestamps. Timestamps are UNIX
 * seconds except {@code statusCodeUpdatedAt} (nanoseconds).
 *
 * @param cancelled set by a cancel request; the scheduler then fails the job
 */
public record JobStatus(
    State state,
    StatusCode statusCode,
    String statusMessage,
    boolean cancelled,
    Long updatedAt,
    Long startedAt,
    Long completedAt,
    long statusCodeUpdatedAt) {

  /** A new job's status: pending, {@code created}, at its creation time. */
  public static JobStatus created(long createdAt, long createdAtNs) {
    return new JobStatus(
        State.PENDING,
        StatusCode.CREATED,
        StatusMessages.CREATED,
        false,
        createdAt,
        null,
        null,
        createdAtNs);
  }
}

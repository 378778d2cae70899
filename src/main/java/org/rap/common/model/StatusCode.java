package org.rap.common.model;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Fine-grained job status. Declaration order is meaningful (the reference orders codes by it) and
 * the value strings are what the RAP API returns in {@code status_code}.
 */
public enum StatusCode {
  CREATED("created"),
  INITIATED("initiated"),
  WAITING_PAUSED("paused"),
  WAITING_DB_MAINTENANCE("waiting_db_maintenance"),
  WAITING_ON_DEPENDENCIES("waiting_on_dependencies"),
  WAITING_ON_WORKERS("waiting_on_workers"),
  WAITING_ON_DB_WORKERS("waiting_on_db_workers"),
  WAITING_ON_REBOOT("waiting_on_reboot"),
  WAITING_ON_NEW_TASK("waiting_on_new_task"),
  PREPARING("preparing"),
  PREPARED("prepared"),
  EXECUTING("executing"),
  EXECUTED("executed"),
  FINALIZING("finalizing"),
  FINALIZED("finalized"),
  SUCCEEDED("succeeded"),
  DEPENDENCY_FAILED("dependency_failed"),
  NONZERO_EXIT("nonzero_exit"),
  CANCELLED_BY_USER("cancelled_by_user"),
  UNMATCHED_PATTERNS("unmatched_patterns"),
  INTERNAL_ERROR("internal_error"),
  KILLED_BY_ADMIN("killed_by_admin"),
  STALE_CODELISTS("stale_codelists"),
  JOB_ERROR("job_error");

  private static final Set<StatusCode> FINAL =
      EnumSet.of(
          SUCCEEDED,
          DEPENDENCY_FAILED,
          NONZERO_EXIT,
          CANCELLED_BY_USER,
          UNMATCHED_PATTERNS,
          INTERNAL_ERROR,
          KILLED_BY_ADMIN,
          STALE_CODELISTS,
          JOB_ERROR);
  private static final Set<StatusCode> RESET =
      EnumSet.of(WAITING_ON_REBOOT, WAITING_DB_MAINTENANCE, WAITING_ON_NEW_TASK);
  private static final Set<StatusCode> RUNNING =
      EnumSet.of(INITIATED, PREPARING, PREPARED, EXECUTING);

  private final String value;

  StatusCode(String value) {
    this.value = value;
  }

  public String value() {
    return value;
  }

  public boolean isFinal() {
    return FINAL.contains(this);
  }

  /** Codes that send the job back to pending and clear {@code started_at}. */
  public boolean isReset() {
    return RESET.contains(this);
  }

  /** Codes that make the job running (and set {@code started_at} if unset). */
  public boolean isRunning() {
    return RUNNING.contains(this);
  }

  public static StatusCode fromValue(String value) {
    return find(value)
        .orElseThrow(() -> new IllegalArgumentException("Unknown status code: " + value));
  }

  /** The code whose value equals {@code value}, if any (agent stages map through this). */
  public static Optional<StatusCode> find(String value) {
    if (value == null) {
      return Optional.empty();
    }
    for (StatusCode c : values()) {
      if (c.value.equals(value)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  public static Set<StatusCode> finalCodes() {
    return EnumSet.copyOf(FINAL);
  }

  @Override
  public String toString() {
    return value;
  }
}

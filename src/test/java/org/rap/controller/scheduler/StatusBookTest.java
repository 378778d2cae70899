package org.rap.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.StatusMessages;

/** set_code rules of docs/spec/job-model.md section 8. */
class StatusBookTest {
  private static final long NOW = 1_900_000_000L * 1_000_000_000L;

  private static Job job(State s, StatusCode c, Long started, Long completed) {
    Job j = TestJob.of("a").status(s, c, "msg").build();
    return j.withStatus(
        s, c, "msg", 1_800_000_000L, started, completed, 1_800_000_000L * 1_000_000_000L);
  }

  @Test
  void runningCodesSetStartedAtOnlyIfUnset() {
    StatusBook.Outcome o =
        StatusBook.setCode(
            job(State.PENDING, StatusCode.CREATED, null, null),
            StatusCode.INITIATED,
            "x",
            null,
            NOW);
    assertEquals(State.RUNNING, o.job().state());
    assertEquals(1_900_000_000L, o.job().startedAt());
    o =
        StatusBook.setCode(
            job(State.RUNNING, StatusCode.INITIATED, 5L, null),
            StatusCode.PREPARING,
            "x",
            NOW + 7,
            NOW);
    assertEquals(5L, o.job().startedAt());
    assertEquals(NOW + 7, o.job().statusCodeUpdatedAt());
  }

  @Test
  void finalCodesSetCompletedAtExceptCancellation() {
    StatusBook.Outcome o =
        StatusBook.setCode(
            job(State.RUNNING, StatusCode.EXECUTING, 5L, null),
            StatusCode.SUCCEEDED,
            "ok",
            null,
            NOW);
    assertEquals(State.SUCCEEDED, o.job().state());
    assertEquals(1_900_000_000L, o.job().completedAt());
    o =
        StatusBook.setCode(
            job(State.RUNNING, StatusCode.EXECUTING, 5L, 42L),
            StatusCode.CANCELLED_BY_USER,
            "c",
            null,
            NOW);
    assertEquals(State.FAILED, o.job().state());
    assertEquals(42L, o.job().completedAt());
    o =
        StatusBook.setCode(
            job(State.PENDING, StatusCode.CREATED, null, null),
            StatusCode.DEPENDENCY_FAILED,
            "d",
            null,
            NOW);
    assertEquals(State.FAILED, o.job().state());
  }

  @Test
  void resetCodesClearStartedAtOtherCodesKeepState() {
    StatusBook.Outcome o =
        StatusBook.setCode(
            job(State.RUNNING, StatusCode.EXECUTING, 5L, null),
            StatusCode.WAITING_ON_REBOOT,
            StatusMessages.WAITING_ON_REBOOT,
            null,
            NOW);
    assertEquals(State.PENDING, o.job().state());
    assertNull(o.job().startedAt());
    o =
        StatusBook.setCode(
            job(State.RUNNING, StatusCode.EXECUTING, 5L, null),
            StatusCode.EXECUTED,
            "m",
            null,
            NOW);
    assertEquals(State.RUNNING, o.job().state());
    assertEquals(StatusCode.EXECUTED, o.job().statusCode());
  }

  @Test
  void unchangedCodeRefreshesOnlyAfterSixtySeconds() {
    Job j = job(State.PENDING, StatusCode.WAITING_ON_WORKERS, null, null);
    long at59 = (1_800_000_059L) * 1_000_000_000L;
    assertEquals(
        StatusBook.Kind.NONE,
        StatusBook.setCode(j, StatusCode.WAITING_ON_WORKERS, "other message", null, at59).kind());
    StatusBook.Outcome o =
        StatusBook.setCode(
            j, StatusCode.WAITING_ON_WORKERS, "other message", null, at59 + 1_000_000_000L);
    assertEquals(StatusBook.Kind.REFRESH, o.kind());
    assertEquals(1_800_000_060L, o.job().updatedAt());
    assertEquals("msg", o.job().statusMessage(), "message unchanged when the code is unchanged");
  }

  @Test
  void earlierTimestampsAreClampedToOneMillisecondAfter() {
    Job j = job(State.RUNNING, StatusCode.INITIATED, 5L, null);
    StatusBook.Outcome o = StatusBook.setCode(j, StatusCode.PREPARING, "m", 1L, NOW);
    assertEquals(j.statusCodeUpdatedAt() + 1_000_000L, o.job().statusCodeUpdatedAt());
    assertEquals(1_800_000_000L, o.job().updatedAt());
  }
}

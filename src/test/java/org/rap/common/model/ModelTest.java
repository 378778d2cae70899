package org.rap.common.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelTest {
  @Test
  void statusCodesKeepTheReferenceOrderAndValues() {
    assertEquals(
        List.of(
            "created",
            "initiated",
            "paused",
            "waiting_db_maintenance",
            "waiting_on_dependencies",
            "waiting_on_workers",
            "waiting_on_db_workers",
            "waiting_on_reboot",
            "waiting_on_new_task",
            "preparing",
            "prepared",
            "executing",
            "executed",
            "finalizing",
            "finalized",
            "succeeded",
            "dependency_failed",
            "nonzero_exit",
            "cancelled_by_user",
            "unmatched_patterns",
            "internal_error",
            "killed_by_admin",
            "stale_codelists",
            "job_error"),
        Arrays.stream(StatusCode.values()).map(StatusCode::value).toList());
    assertEquals(9, StatusCode.finalCodes().size());
    assertTrue(StatusCode.WAITING_ON_NEW_TASK.isReset());
    assertTrue(StatusCode.EXECUTING.isRunning());
    assertFalse(StatusCode.EXECUTED.isRunning());
    assertTrue(StatusCode.find("error").isEmpty());
  }

  @Test
  void deterministicJobIds() {
    // sha1("abcdefgh23456789\ngenerate_dataset")[:10], base32, lower case
    String id = JobIds.jobId("abcdefgh23456789", "generate_dataset");
    assertEquals("rfzajqkfrp766yxc", id, "same as the reference (python base32 of sha1[:10])");
    assertEquals(16, id.length());
    assertTrue(id.matches("[a-z2-7]{16}"));
    assertEquals(id, JobIds.jobId("abcdefgh23456789", "generate_dataset"));
    assertEquals("mzxw6ytboi", JobIds.base32("foobar".getBytes()).substring(0, 10));
    assertEquals("job-001", JobIds.runJobTaskId("job", 1));
    assertEquals("job-001-cancel", JobIds.cancelTaskId("job-001"));
    assertTrue(
        JobIds.scheduledTaskId(TaskType.DBSTATUS)
            .matches("dbstatus-\\d{4}-\\d{2}-\\d{2}-[0-9a-f]{20}"));
    assertTrue(JobIds.newRapId().matches("[a-z2-7]{16}"));
  }

  @Test
  void timestampRendering() {
    assertEquals("2026-01-31T10:15:02Z", Timestamps.isoSeconds(1769854502L));
    assertEquals(null, Timestamps.isoSeconds(null));
    assertEquals("2026-01-31T10:15:02.123456Z", Timestamps.isoMicros(1769854502123456L));
    assertEquals("2026-01-31T10:15:02Z", Timestamps.isoMicros(1769854502000000L));
    assertEquals("2026-01-31T10:15:02.000001+00:00", Timestamps.isoOffset(1769854502000001L));
  }

  @Test
  void slugs() {
    assertEquals(
        "my-workspace-generate_dataset-abc", Slugs.slugify("my workspace-generate_dataset-abc"));
    assertEquals("ws-act-id", Slugs.slugify("WS-Act-ID"));
  }
}

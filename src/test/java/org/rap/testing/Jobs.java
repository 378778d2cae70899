package org.rap.testing;

import java.util.List;
import java.util.Map;
import org.rap.common.model.Job;
import org.rap.common.model.JobIds;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.StatusMessages;

/** Builders for test jobs. */
public final class Jobs {
  private Jobs() {}

  public static Job pending(
      String rapId, String action, String backend, String workspace, long createdAt) {
    return new Job(
        JobIds.jobId(rapId, action),
        rapId,
        State.PENDING,
        "https://github.com/opensafely/test-repo",
        "a".repeat(40),
        workspace,
        "default",
        action,
        null,
        null,
        List.of(),
        List.of(),
        "python:v2 analysis/" + action + ".py",
        Map.of("moderately_sensitive", Map.of("table", "output/" + action + ".csv")),
        StatusMessages.CREATED,
        StatusCode.CREATED,
        false,
        createdAt,
        createdAt,
        null,
        null,
        Map.of(),
        createdAt * 1_000_000_000L,
        false,
        backend,
        "main",
        "alice",
        "project",
        List.of("org"),
        Map.of());
  }
}

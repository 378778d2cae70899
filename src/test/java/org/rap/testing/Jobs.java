package org.rap.testing;

import java.util.List;
import java.util.Map;
import org.rap.common.model.Job;
import org.rap.common.model.JobIds;
import org.rap.common.model.JobSpec;
import org.rap.common.model.JobStatus;

/** Builders for test jobs. */
public final class Jobs {
  private Jobs() {}

  public static Job pending(
      String rapId, String action, String backend, String workspace, long createdAt) {
    return new Job(
        new JobSpec(
            JobIds.jobId(rapId, action),
            rapId,
            backend,
            workspace,
            action,
            createdAt,
            new JobSpec.Source(
                "https://github.com/opensafely/test-repo", "a".repeat(40), "main", null, null),
            new JobSpec.Run(
                "python:v2 analysis/" + action + ".py",
                Map.of("moderately_sensitive", Map.of("table", "output/" + action + ".csv")),
                false,
                "default",
                Map.of()),
            new JobSpec.Needs(List.of(), List.of()),
            new JobSpec.Origin("alice", "project", List.of("org"), Map.of())),
        JobStatus.created(createdAt, createdAt * 1_000_000_000L));
  }
}

package org.rap.controller.scheduler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rap.common.model.Job;
import org.rap.common.model.JobIds;
import org.rap.common.model.JobSpec;
import org.rap.common.model.JobStatus;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.StatusMessages;

/** A mutable builder for test jobs (every column settable). */
final class TestJob {
  String rapId = "rap0000000000001";
  String action = "generate";
  String backend = "test";
  String workspace = "ws";
  long createdAt = Harness.T0 - 100;
  boolean requiresDb;
  boolean cancelled;
  String runCommand;
  List<String> needs = new ArrayList<>();
  List<String> waitFor = new ArrayList<>();
  Map<String, Object> analysisScope = new LinkedHashMap<>();
  State state = State.PENDING;
  StatusCode code = StatusCode.CREATED;
  String message = StatusMessages.CREATED;
  Long startedAt;
  Long updatedAt;
  String actionRepoUrl;
  String actionCommit;

  static TestJob of(String action) {
    TestJob t = new TestJob();
    t.action = action;
    return t;
  }

  TestJob rap(String r) {
    rapId = r;
    return this;
  }

  TestJob backend(String b) {
    backend = b;
    return this;
  }

  TestJob workspace(String w) {
    workspace = w;
    return this;
  }

  TestJob created(long t) {
    createdAt = t;
    return this;
  }

  TestJob db() {
    requiresDb = true;
    return this;
  }

  TestJob run(String cmd) {
    runCommand = cmd;
    return this;
  }

  TestJob needs(String action, String jobId) {
    needs.add(action);
    if (jobId != null) {
      waitFor.add(jobId);
    }
    return this;
  }

  TestJob cancelled() {
    cancelled = true;
    return this;
  }

  TestJob status(State s, StatusCode c, String m) {
    state = s;
    code = c;
    message = m;
    return this;
  }

  String id() {
    return JobIds.jobId(rapId, action);
  }

  Job build() {
    return new Job(
        new JobSpec(
            id(),
            rapId,
            backend,
            workspace,
            action,
            createdAt,
            new JobSpec.Source(
                "https://github.com/opensafely/test-repo",
                "a".repeat(40),
                "main",
                actionRepoUrl,
                actionCommit),
            new JobSpec.Run(
                runCommand == null ? "python:v2 analysis/" + action + ".py" : runCommand,
                Map.of(
                    "moderately_sensitive",
                    Map.of("table", "output/" + action + ".csv"),
                    "highly_sensitive",
                    Map.of("data", "output/" + action + ".arrow")),
                requiresDb,
                "default",
                analysisScope),
            new JobSpec.Needs(needs, waitFor),
            new JobSpec.Origin("alice", "my-project", List.of("org1", "org2"), Map.of())),
        new JobStatus(
            state,
            code,
            message,
            cancelled,
            updatedAt == null ? createdAt : updatedAt,
            startedAt,
            null,
            createdAt * 1_000_000_000L));
  }
}

package org.rap.controller.planning;

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
import org.rap.common.pipeline.Action;
import org.rap.common.pipeline.Pipeline;
import org.rap.common.text.Shell;

/** Builders for pipelines, requests and workspace jobs in planning tests. */
final class TestProjects {
  static final String RAP = "abcdefgh23456789";
  static final String COMMIT = "07d5f283bb66f52a49933b016cf8dc144cfc7180";

  private TestProjects() {}

  static Action action(String name, String run, String... needs) {
    return action(name, run, null, needs);
  }

  static Action action(String name, String run, Map<String, Object> config, String... needs) {
    List<String> parts = Shell.split(run);
    return new Action(
        name,
        parts,
        List.of(needs),
        Map.of("moderately_sensitive", Map.of(name, "output/" + name + ".csv")),
        config,
        null,
        DatabaseActions.isDatabaseAction(parts));
  }

  static Pipeline pipeline(Action... actions) {
    Map<String, Action> map = new LinkedHashMap<>();
    for (Action a : actions) {
      map.put(a.name(), a);
    }
    return new Pipeline(4.0, map, null, List.of());
  }

  static Request request(String... actions) {
    return new Request(List.of(actions));
  }

  /** A mutable create-request builder. */
  static final class Request {
    String backend = "test";
    String rapId = RAP;
    String workspace = "my-workspace";
    String repoUrl = "https://github.com/opensafely/study";
    String branch = "main";
    String commit = COMMIT;
    String database = "default";
    List<String> actions;
    boolean codelistsOk = true;
    boolean force = false;
    String project = "my-project";
    Map<String, Object> scope = Map.of();

    Request(List<String> actions) {
      this.actions = new ArrayList<>(actions);
    }

    Request rap(String r) {
      rapId = r;
      return this;
    }

    Request force() {
      force = true;
      return this;
    }

    Request staleCodelists() {
      codelistsOk = false;
      return this;
    }

    Request project(String p) {
      project = p;
      return this;
    }

    Request scope(Map<String, Object> s) {
      scope = s;
      return this;
    }

    Request backend(String b) {
      backend = b;
      return this;
    }

    Request workspace(String w) {
      workspace = w;
      return this;
    }

    Request repo(String url) {
      repoUrl = url;
      return this;
    }

    Request commit(String c) {
      commit = c;
      return this;
    }

    Request database(String d) {
      database = d;
      return this;
    }

    CreateRequest build() {
      return new CreateRequest(
          backend,
          rapId,
          workspace,
          repoUrl,
          branch,
          commit,
          database,
          actions,
          codelistsOk,
          force,
          "alice",
          project,
          List.of("opensafely"),
          scope);
    }
  }

  /** An existing job of a previous RAP in the request's workspace. */
  static Job existing(String rapId, String action, State state) {
    StatusCode code =
        switch (state) {
          case PENDING -> StatusCode.WAITING_ON_WORKERS;
          case RUNNING -> StatusCode.EXECUTING;
          case SUCCEEDED -> StatusCode.SUCCEEDED;
          case FAILED -> StatusCode.NONZERO_EXIT;
        };
    return new Job(
        new JobSpec(
            JobIds.jobId(rapId, action),
            rapId,
            "test",
            "my-workspace",
            action,
            100,
            new JobSpec.Source("https://github.com/opensafely/study", COMMIT, "main", null, null),
            new JobSpec.Run("python:v2 x.py", Map.of(), false, "default", Map.of()),
            new JobSpec.Needs(List.of(), List.of()),
            new JobSpec.Origin("bob", "my-project", List.of(), Map.of())),
        new JobStatus(state, code, "m", false, 100L, null, null, 100_000_000_000L));
  }

  static Map<String, Job> state(Job... jobs) {
    Map<String, Job> m = new LinkedHashMap<>();
    for (Job j : jobs) {
      m.put(j.action(), j);
    }
    return m;
  }
}

package org.rap.agent.poller;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.rap.common.tasks.AgentTask;

/** Task JSON as the controller serves it. */
final class TestTasks {
  private TestTasks() {}

  static JsonObject definition(String jobId, String taskId) {
    return new JsonObject()
        .put("id", jobId)
        .put("rap_id", "rap" + jobId)
        .put("task_id", taskId)
        .put("repo_url", "https://github.com/opensafely/study")
        .put("commit", "abc123")
        .put(
            "study",
            new JsonObject()
                .put("git_repo_url", "https://github.com/opensafely/study")
                .put("commit", "abc123")
                .put("branch", "main"))
        .put("workspace", "ws")
        .put("action", "generate")
        .put("created_at", 1700000000L)
        .put("image", "ghcr.io/opensafely-core/python:v2")
        .put("image_sha", "sha256:00")
        .put("args", new JsonArray().add("run.py"))
        .put("env", new JsonObject().put("OPENSAFELY_BACKEND", "test"))
        .put("inputs", new JsonArray())
        .put("input_job_ids", new JsonArray())
        .put("output_spec", new JsonObject().put("output/*.csv", "moderately_sensitive"))
        .put("allow_database_access", false)
        .putNull("database_name")
        .put("user", "alice");
  }

  static JsonObject runJob(String jobId) {
    String taskId = jobId + "-001";
    return task(taskId, "runjob", definition(jobId, taskId));
  }

  static JsonObject cancelJob(String jobId) {
    String taskId = jobId + "-001-cancel";
    return task(taskId, "canceljob", definition(jobId, jobId + "-001").putNull("image_sha"));
  }

  static JsonObject dbStatus(String id) {
    return task(
        id,
        "dbstatus",
        new JsonObject()
            .put("database_name", "default")
            .put("image", "ghcr.io/opensafely-core/tpp-database-utils:latest")
            .put("image_sha", "sha256:11"));
  }

  static JsonObject dataCheck(String id) {
    return task(
        id,
        "dbdatacheck",
        new JsonObject()
            .put("hes_expected_activity_month", "202304")
            .put("image", "ghcr.io/opensafely-core/tpp-database-utils:latest")
            .put("image_sha", "sha256:11"));
  }

  static JsonObject task(String id, String type, JsonObject definition) {
    return new JsonObject()
        .put("id", id)
        .put("backend", "test")
        .put("type", type)
        .put("definition", definition)
        .put(
            "attributes",
            new JsonObject().put("user", "alice").put("project", "p").put("orgs", "o"))
        .put("created_at", 1700000000L);
  }

  static AgentTask agentTask(JsonObject json) {
    return AgentTask.fromJson(json);
  }
}

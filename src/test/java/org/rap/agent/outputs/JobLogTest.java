package org.rap.agent.outputs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobLogTest {

  @Test
  void summaryTrailerFormat() {
    JsonObject meta =
        new JsonObject()
            .put("job_definition_id", "abc")
            .put("job_definition_rap_id", "rap1")
            .put("commit", "c0ffee")
            .put("docker_image_id", "sha256:1")
            .put("exit_code", "0")
            .put("created_at", 1700000000)
            .put("completed_at", 1700000100)
            .putNull("database_name")
            .put("status_message", "Completed successfully")
            .putNull("hint")
            .put(
                "outputs",
                new JsonObject()
                    .put("output/b.csv", "moderately_sensitive")
                    .put("output/a_long.csv", "highly_sensitive"));
    String log =
        JobLog.format(
            "2024-01-01T00:00:00.000000000Z hello\n",
            meta,
            Map.of("output/b.csv", "File has patient_id column"));
    assertEquals(
        "2024-01-01T00:00:00.000000000Z hello\n"
            + "\n=============JOB SUMMARY=============\n"
            + "job_definition_id: abc\n"
            + "job_definition_rap_id: rap1\n"
            + "commit: c0ffee\n"
            + "docker_image_id: sha256:1\n"
            + "exit_code: 0\n"
            + "created_at: 1700000000\n"
            + "completed_at: 1700000100\n"
            + "status_message: Completed successfully\n"
            + "\noutputs:\n"
            + "  output/a_long.csv  - highly_sensitive    \n"
            + "  output/b.csv       - moderately_sensitive\n"
            + "\nInvalid moderately_sensitive outputs:\n"
            + "  output/b.csv  - File has patient_id column\n",
        log);
  }

  @Test
  void noOutputs() {
    String log = JobLog.format("", new JsonObject().put("exit_code", "1"), Map.of());
    assertEquals(
        "\n=============JOB SUMMARY=============\nexit_code: 1\n\noutputs:\n  (no outputs)\n", log);
  }
}

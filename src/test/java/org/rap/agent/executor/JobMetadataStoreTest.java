package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.model.JobDefinition;

class JobMetadataStoreTest {
  @TempDir Path logs;

  private JobDefinition job(String taskId) {
    return JobDefinition.fromJson(
        new JsonObject()
            .put("id", "abc123")
            .put("task_id", taskId)
            .put("created_at", 1_700_000_000L)
            .put("workspace", "ws")
            .put("action", "a")
            .put("repo_url", "r")
            .put("commit", "c")
            .put("image", "i"));
  }

  @Test
  void creationMonthDirectoryTaskCheckAndDefaults() throws Exception {
    JobMetadataStore store = new JobMetadataStore(logs);
    assertEquals(logs.resolve("2023-11/os-job-abc123"), store.logDir(job("t1")));
    assertTrue(store.read("abc123").isEmpty());
    store.write(job("t1"), new JsonObject().put("task_id", "t1").put("status_message", "ok"));
    JsonObject m = store.read("abc123");
    assertEquals("ok", m.getString("status_message"));
    assertEquals(new JsonArray(), m.getJsonArray("unmatched_patterns"), "defaults for older files");
    assertEquals(false, m.getValue("error"));
    assertTrue(m.containsKey("hint") && m.getValue("hint") == null);
    assertEquals("ok", store.readForTask(job("t1")).getString("status_message"));
    assertTrue(store.readForTask(job("t2")).isEmpty(), "another task's metadata is ignored");
    assertEquals(
        "ok",
        store.readForTask(job("")).getString("status_message"),
        "definitions without task id");
  }

  @Test
  void legacyDuplicateUsesTheNewest() throws Exception {
    JobMetadataStore store = new JobMetadataStore(logs);
    Path old = logs.resolve("2023-12/os-job-abc123/metadata.json");
    Files.createDirectories(old.getParent());
    Files.writeString(old, new JsonObject().put("status_message", "old").encode());
    Files.setLastModifiedTime(old, FileTime.fromMillis(1_000));
    store.write(job("t1"), new JsonObject().put("status_message", "new"));
    assertEquals("new", store.read("abc123").getString("status_message"));
  }
}

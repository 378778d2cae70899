package org.rap.agent.outputs;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code <medium privacy workspace>/metadata/manifest.json} (docs/spec/agent-executor.md section
 * 6.2): entries are never deleted; new entries replace old ones for the same path; older entries
 * get {@code out_of_date_action} / {@code out_of_date_output} flags.
 */
public final class Manifest {
  public static final String METADATA_DIR = "metadata";
  public static final String FILE = "manifest.json";

  private Manifest() {}

  public static Path path(Path mediumWorkspace) {
    return mediumWorkspace.resolve(METADATA_DIR).resolve(FILE);
  }

  public static JsonObject read(Path mediumWorkspace, String workspace) throws IOException {
    Path file = path(mediumWorkspace);
    if (Files.exists(file)) {
      JsonObject m = new JsonObject(Files.readString(file));
      if (m.getJsonObject("outputs") == null) {
        m.put("outputs", new JsonObject());
      }
      return m;
    }
    return new JsonObject()
        .put("workspace", workspace)
        .putNull("repo")
        .put("outputs", new JsonObject());
  }

  /**
   * Adds this job's entries and updates the flags of older ones.
   *
   * @param action the job's action
   * @param entries new entries by path
   * @param currentActions the actions of the study's project.yaml at the job's commit, when known
   */
  public static void update(
      JsonObject manifest,
      String action,
      Map<String, JsonObject> entries,
      Optional<Set<String>> currentActions) {
    JsonObject outputs = manifest.getJsonObject("outputs");
    for (String path : outputs.fieldNames()) {
      JsonObject old = outputs.getJsonObject(path);
      if (old == null || entries.containsKey(path)) {
        continue;
      }
      if (action.equals(old.getString("action"))) {
        old.put("out_of_date_output", true);
      }
      currentActions.ifPresent(
          actions -> old.put("out_of_date_action", !actions.contains(old.getString("action"))));
    }
    entries.forEach(outputs::put);
  }

  /** Replaces the manifest (callers hold the workspace: leftovers of a killed agent go first). */
  public static void write(Path mediumWorkspace, JsonObject manifest) throws IOException {
    AtomicFiles.deleteLeftovers(path(mediumWorkspace));
    AtomicFiles.writeString(path(mediumWorkspace), manifest.encodePrettily());
  }
}

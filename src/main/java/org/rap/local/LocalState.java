package org.rap.local;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.rap.agent.outputs.AtomicFiles;

/**
 * What earlier local runs left: per action, the id and final state of its last job and the outputs
 * it copied into the study, in {@code metadata/.rap/state.json}. Lets a later run skip dependencies
 * that already succeeded (unless their outputs have gone since).
 */
public final class LocalState {
  record LastRun(String jobId, boolean succeeded, List<String> outputs) {}

  private final Path file;
  private final JsonObject state;

  private LocalState(Path file, JsonObject state) {
    this.file = file;
    this.state = state;
  }

  static LocalState load(Path file) throws IOException {
    if (!Files.exists(file)) {
      return new LocalState(file, new JsonObject());
    }
    try {
      return new LocalState(file, new JsonObject(Files.readString(file)));
    } catch (RuntimeException e) {
      // a damaged state file only costs re-running dependencies
      return new LocalState(file, new JsonObject());
    }
  }

  synchronized Optional<LastRun> last(String action) {
    JsonObject o = state.getJsonObject(action);
    if (o == null) {
      return Optional.empty();
    }
    List<String> outputs = new ArrayList<>();
    o.getJsonArray("outputs", new JsonArray()).forEach(v -> outputs.add(String.valueOf(v)));
    return Optional.of(
        new LastRun(o.getString("job_id"), "succeeded".equals(o.getString("state")), outputs));
  }

  synchronized void record(
      String action, String jobId, boolean succeeded, Collection<String> outputs)
      throws IOException {
    if (jobId == null) {
      return;
    }
    state.put(
        action,
        new JsonObject()
            .put("job_id", jobId)
            .put("state", succeeded ? "succeeded" : "failed")
            .put("outputs", new JsonArray(new ArrayList<>(outputs))));
    Files.createDirectories(file.getParent());
    AtomicFiles.writeString(file, state.encodePrettily());
  }
}

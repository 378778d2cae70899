package org.rap.local;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.rap.agent.outputs.AtomicFiles;

/**
 * What earlier local runs left: per action, the id and final state of its last job, in {@code
 * metadata/.rap/state.json}. Lets a later run skip dependencies that already succeeded.
 */
final class LocalState {
  record LastRun(String jobId, boolean succeeded) {}

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
    return o == null
        ? Optional.empty()
        : Optional.of(new LastRun(o.getString("job_id"), "succeeded".equals(o.getString("state"))));
  }

  synchronized void record(String action, String jobId, boolean succeeded) throws IOException {
    state.put(
        action,
        new JsonObject().put("job_id", jobId).put("state", succeeded ? "succeeded" : "failed"));
    Files.createDirectories(file.getParent());
    AtomicFiles.writeString(file, state.encodePrettily());
  }
}

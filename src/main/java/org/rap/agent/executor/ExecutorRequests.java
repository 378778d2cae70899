package org.rap.agent.executor;

import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.Privacy;

/**
 * The bodies of the requests to the executor verticle ({@link org.rap.agent.bus.ExecutorOp}):
 * immutable, handed over as they are.
 */
final class ExecutorRequests {
  private ExecutorRequests() {}

  /**
   * A step of one job.
   *
   * @param cancelled a cancellation is being handled (status, finalize)
   * @param error finalize with this error, or null
   * @param fenceToken finalize fenced by this lease token, or null
   */
  record Job(JobDefinition job, boolean cancelled, JsonObject error, Long fenceToken) {
    Job(JobDefinition job) {
      this(job, false, null, null);
    }

    Job(JobDefinition job, boolean cancelled, JsonObject error) {
      this(job, cancelled, error, null);
    }
  }

  /** Workspace files to delete. */
  record Files(String workspace, Privacy privacy, List<String> names) {
    Files {
      names = List.copyOf(names);
    }
  }

  /** A database task. */
  record DbTask(
      String image, String imageSha, List<String> args, Map<String, String> env, String network) {
    DbTask {
      args = List.copyOf(args);
      env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
    }
  }
}

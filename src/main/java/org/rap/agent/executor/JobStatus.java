package org.rap.agent.executor;

import io.vertx.core.json.JsonObject;
import org.rap.common.model.ExecutorState;

/**
 * A job's executor state as derived from Docker and disk.
 *
 * @param timestampNs agent time of the state change (ns), or null
 * @param results for {@code finalized}/{@code error}: the redacted results to report, else null
 */
public record JobStatus(ExecutorState state, String message, Long timestampNs, JsonObject results) {
  public static JobStatus of(ExecutorState state, Long timestampNs) {
    return new JobStatus(state, null, timestampNs, null);
  }
}

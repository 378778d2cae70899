package org.rap.agent.executor;

import io.vertx.core.json.JsonObject;

/**
 * What a container runtime reports about the run of one job (its container or pod), found by job id
 * alone, so an agent restarted at any moment sees the same run. The shared lifecycle derives the
 * job's state from it (docs/spec/agent-executor.md section 2 step 5) and finalize reports it
 * (section 6 step 4, section 7.2).
 *
 * @param id the runtime's id of the run (a container id), unique per attempt
 * @param phase created but never started, running, or no longer running
 * @param createdAtNs when the run was created (ns since the epoch), or null
 * @param startedAtNs when it started running, or null
 * @param finishedAtNs when it stopped, or null
 * @param exitCode the exit code once it stopped (137 when killed), or null
 * @param oomKilled whether the runtime killed it for exceeding its memory limit, or null
 * @param memoryLimitBytes its memory limit, 0 when none
 * @param imageId the id of the image it ran ({@code docker_image_id})
 * @param labels the image's and the run's labels (the image's version and revision labels are
 *     reported)
 * @param metadata the runtime's own description of the run, reported as {@code container_metadata},
 *     with the values of its environment variables already redacted (section 6 step 3)
 */
public record JobRun(
    String id,
    Phase phase,
    Long createdAtNs,
    Long startedAtNs,
    Long finishedAtNs,
    Integer exitCode,
    Boolean oomKilled,
    long memoryLimitBytes,
    String imageId,
    JsonObject labels,
    JsonObject metadata) {

  /** Where a run is. */
  public enum Phase {
    /** Created but never started (the agent stopped between creating and starting it). */
    CREATED,
    RUNNING,
    /** Exited, killed or otherwise no longer running. */
    STOPPED
  }

  /** Whole seconds since the epoch of {@link #createdAtNs}, 0 when unknown. */
  public long createdAtEpochSeconds() {
    return createdAtNs == null ? 0 : Math.floorDiv(createdAtNs, 1_000_000_000L);
  }
}

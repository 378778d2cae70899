package org.rap.common.model;

import java.util.List;
import java.util.Map;

/**
 * One job row (docs/spec/job-model.md section 2). Timestamps are UNIX seconds except {@code
 * statusCodeUpdatedAt} (nanoseconds); JSON-valued columns are carried as parsed values.
 *
 * @param outputSpec {@code {privacy_level: {output_name: glob}}}
 * @param analysisScope the permission object for database actions, {@code {}} otherwise
 */
public record Job(
    String id,
    String rapId,
    State state,
    String repoUrl,
    String commit,
    String workspace,
    String databaseName,
    String action,
    String actionRepoUrl,
    String actionCommit,
    List<String> requiresOutputsFrom,
    List<String> waitForJobIds,
    String runCommand,
    Map<String, Map<String, String>> outputSpec,
    String statusMessage,
    StatusCode statusCode,
    boolean cancelled,
    long createdAt,
    Long updatedAt,
    Long startedAt,
    Long completedAt,
    Map<String, String> traceContext,
    long statusCodeUpdatedAt,
    boolean requiresDb,
    String backend,
    String branch,
    String user,
    String project,
    List<String> orgs,
    Map<String, Object> analysisScope) {

  public Job {
    requiresOutputsFrom = List.copyOf(requiresOutputsFrom);
    waitForJobIds = List.copyOf(waitForJobIds);
    orgs = List.copyOf(orgs);
  }

  /** {@code <workspace>-<action>-<id>} slugified, as the reference prints it to operators. */
  public String slug() {
    return Slugs.slugify(workspace + "-" + action + "-" + id);
  }

  /** A copy with new status fields (the scheduler's bookkeeping result). */
  public Job withStatus(
      State newState,
      StatusCode newCode,
      String newMessage,
      Long newUpdatedAt,
      Long newStartedAt,
      Long newCompletedAt,
      long newStatusCodeUpdatedAt) {
    return new Job(
        id,
        rapId,
        newState,
        repoUrl,
        commit,
        workspace,
        databaseName,
        action,
        actionRepoUrl,
        actionCommit,
        requiresOutputsFrom,
        waitForJobIds,
        runCommand,
        outputSpec,
        newMessage,
        newCode,
        cancelled,
        createdAt,
        newUpdatedAt,
        newStartedAt,
        newCompletedAt,
        traceContext,
        newStatusCodeUpdatedAt,
        requiresDb,
        backend,
        branch,
        user,
        project,
        orgs,
        analysisScope);
  }
}

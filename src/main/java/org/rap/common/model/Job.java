package org.rap.common.model;

import java.util.List;
import java.util.Map;

/**
 * One job (docs/spec/job-model.md section 2): what was fixed when it was created ({@link JobSpec})
 * and where it stands now ({@link JobStatus}). The accessors below are shortcuts into the two.
 */
public record Job(JobSpec spec, JobStatus status) {

  /** {@code <workspace>-<action>-<id>} slugified, as the reference prints it to operators. */
  public String slug() {
    return Slugs.slugify(workspace() + "-" + action() + "-" + id());
  }

  /** The same job with another spec (planning, before the job is created). */
  public Job withSpec(JobSpec newSpec) {
    return new Job(newSpec, status);
  }

  /** The same job with another status (the scheduler's bookkeeping result). */
  public Job withStatus(JobStatus newStatus) {
    return new Job(spec, newStatus);
  }

  /** The same job moved to a new code; the cancel request stays as it is. */
  public Job withStatus(
      State newState,
      StatusCode newCode,
      String newMessage,
      Long newUpdatedAt,
      Long newStartedAt,
      Long newCompletedAt,
      long newStatusCodeUpdatedAt) {
    return new Job(
        spec,
        new JobStatus(
            newState,
            newCode,
            newMessage,
            status.cancelled(),
            newUpdatedAt,
            newStartedAt,
            newCompletedAt,
            newStatusCodeUpdatedAt));
  }

  // What the job is (fixed at creation)

  public String id() {
    return spec.id();
  }

  public String rapId() {
    return spec.rapId();
  }

  public String backend() {
    return spec.backend();
  }

  public String workspace() {
    return spec.workspace();
  }

  public String action() {
    return spec.action();
  }

  public long createdAt() {
    return spec.createdAt();
  }

  public String repoUrl() {
    return spec.source().repoUrl();
  }

  public String commit() {
    return spec.source().commit();
  }

  public String branch() {
    return spec.source().branch();
  }

  public String actionRepoUrl() {
    return spec.source().actionRepoUrl();
  }

  public String actionCommit() {
    return spec.source().actionCommit();
  }

  public String runCommand() {
    return spec.run().runCommand();
  }

  public Map<String, Map<String, String>> outputSpec() {
    return spec.run().outputSpec();
  }

  public boolean requiresDb() {
    return spec.run().requiresDb();
  }

  public String databaseName() {
    return spec.run().databaseName();
  }

  public Map<String, Object> analysisScope() {
    return spec.run().analysisScope();
  }

  public List<String> requiresOutputsFrom() {
    return spec.needs().requiresOutputsFrom();
  }

  public List<String> waitForJobIds() {
    return spec.needs().waitForJobIds();
  }

  public String user() {
    return spec.origin().user();
  }

  public String project() {
    return spec.origin().project();
  }

  public List<String> orgs() {
    return spec.origin().orgs();
  }

  public Map<String, String> traceContext() {
    return spec.origin().traceContext();
  }

  // Where it stands

  public State state() {
    return status.state();
  }

  public StatusCode statusCode() {
    return status.statusCode();
  }

  public String statusMessage() {
    return status.statusMessage();
  }

  public boolean cancelled() {
    return status.cancelled();
  }

  public Long updatedAt() {
    return status.updatedAt();
  }

  public Long startedAt() {
    return status.startedAt();
  }

  public Long completedAt() {
    return status.completedAt();
  }

  public long statusCodeUpdatedAt() {
    return status.statusCodeUpdatedAt();
  }
}

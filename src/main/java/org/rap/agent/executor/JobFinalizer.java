package org.rap.agent.executor;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.rap.agent.finalize.JobLogWriter;
import org.rap.agent.finalize.OutputFiling;
import org.rap.agent.outputs.JobLog;
import org.rap.agent.outputs.Manifest;
import org.rap.agent.outputs.OutputMatch;
import org.rap.agent.outputs.OutputPersister;
import org.rap.agent.outputs.PersistedOutputs;
import org.rap.agent.outputs.SafePaths;
import org.rap.agent.outputs.SecretRedactor;
import org.rap.common.config.JobOutputLimits;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.Privacy;

/**
 * Finalizing a job once its container has stopped, whatever ran it (docs/spec/agent-executor.md
 * section 6 steps 2 to 7): the outputs, the job log, the workspace logs and, last, {@code
 * metadata.json}. The runtime supplies its report of the job's run and the run's output.
 *
 * <p>A job whose outputs cannot be filed (see {@link OutputFiling#refusal}) is finalized at once
 * with an error naming no file and nothing filed; its job log, which also goes to the workspace
 * logs the researcher reads, says which files and why. Everything the job printed passes through
 * the secret redactor and is kept within {@code MAX_LOG_BYTES}.
 */
final class JobFinalizer {

  /** What the job's run left: the runtime's report of it and its output. */
  record Container(JobRun run, JobLogWriter.LogSource logs) {}

  private final JobLayout layout;
  private final JobMetadataStore store;
  private final ProjectActions projectActions;
  private final JobOutputLimits limits;
  private final WorkspaceLock workspaceLock;

  JobFinalizer(JobLayout layout, JobMetadataStore store, ProjectActions projectActions) {
    this.layout = layout;
    this.store = store;
    this.projectActions = projectActions;
    this.limits = layout.settings().outputLimits();
    this.workspaceLock =
        new WorkspaceLock(layout.settings().highPrivacyStorageBase().resolve("locks"));
  }

  /**
   * {@link #finalizeJob(JobDefinition, Container, SecretRedactor, JsonObject, boolean, JsonObject)}
   * holding the job's {@link LeaseFence} at {@code fenceToken} (null: no fence, an agent without
   * leases).
   *
   * @throws StaleAttempt when a later attempt has begun to finalize the job (nothing is written)
   */
  void finalizeJob(
      JobDefinition job,
      Container container,
      SecretRedactor secrets,
      JsonObject metrics,
      boolean cancelled,
      JsonObject error,
      Long fenceToken)
      throws IOException {
    if (fenceToken == null) {
      finalizeJob(job, container, secrets, metrics, cancelled, error);
      return;
    }
    LeaseFence.hold(
        store.logDir(job).resolve(LeaseFence.FILE),
        fenceToken,
        job.id(),
        () -> {
          finalizeJob(job, container, secrets, metrics, cancelled, error);
          return null;
        });
  }

  /**
   * Finalizes {@code job}; {@code container} is null when it never had one.
   *
   * @param secrets the values of secret settings the container got, masked in its log and refused
   *     in its medium-privacy outputs
   * @param metrics the job's resource aggregates ({@code job_metrics})
   * @param error non-null: finalize with this error (no outputs)
   */
  void finalizeJob(
      JobDefinition job,
      Container container,
      SecretRedactor secrets,
      JsonObject metrics,
      boolean cancelled,
      JsonObject error)
      throws IOException {
    Path volume = layout.volumeDir(job);
    Path highWorkspace = layout.workspaceDir(Privacy.HIGH, job.workspace());
    Path mediumWorkspace = layout.workspaceDir(Privacy.MEDIUM, job.workspace());
    boolean failed = error != null;
    JobRun run = container == null ? null : container.run();
    JobLogWriter.LogSource logs =
        container == null ? JobLogWriter.LogSource.NONE : container.logs();
    Path logsFile = store.logDir(job).resolve(JobMetadataStore.LOGS_FILE);
    if (cancelled || failed) {
      FinalizeMessages.Message msg =
          FinalizeMessages.of(run, cancelled, failed, Map.of(), List.of(), List.of());
      JsonObject metadata =
          JobMetadata.build(job, metrics, run, emptyMatch(), Map.of(), msg, cancelled, error);
      if (container != null) {
        JobLogWriter.write(
            logsFile,
            logs,
            secrets,
            limits.maxLogBytes(),
            JobLog.summary(metadata, Map.of(), List.of(), List.of()));
      }
      store.write(job, metadata); // last: its presence means finalized
      return;
    }
    OutputMatch match =
        OutputFiling.match(job, volume, volume.resolve(JobVolumes.TIMESTAMP_FILE), limits);
    Optional<OutputFiling.Refusal> refusal =
        OutputFiling.refusal(match, limits, highWorkspace, mediumWorkspace);
    Map<String, String> outputs = refusal.isPresent() ? Map.of() : match.outputs();
    FinalizeMessages.Message msg =
        refusal.isPresent()
            ? new FinalizeMessages.Message(refusal.get().message(), null)
            : FinalizeMessages.of(
                run, false, false, outputs, match.unmatchedPatterns(), match.unmatchedOutputs());
    JsonObject metadata =
        JobMetadata.build(
            job, metrics, run, match, outputs, msg, false, refusal.map(this::refused).orElse(null));
    Map<String, String> excluded = Map.of();
    List<String> notFiled = refusal.map(OutputFiling.Refusal::details).orElse(List.of());
    if (refusal.isEmpty()) {
      Optional<Set<String>> actions =
          outputs.isEmpty()
              ? Optional.empty()
              : projectActions.actionsAt(job.study().gitRepoUrl(), job.study().commit());
      // jobs of one workspace finalize one at a time: manifest.json is read, updated and replaced
      PersistedOutputs persisted =
          workspaceLock.hold(
              job.workspace(),
              () ->
                  OutputPersister.persist(
                      job, outputs, volume, highWorkspace, mediumWorkspace, actions, secrets));
      excluded = persisted.excluded();
      JsonObject excludedJson = new JsonObject();
      excluded.forEach(excludedJson::put);
      metadata.put("level4_excluded_files", excludedJson);
    }
    JobLogWriter.write(
        logsFile,
        logs,
        secrets,
        limits.maxLogBytes(),
        JobLog.summary(metadata, excluded, notFiled, match.refused()));
    String actionLog = Manifest.METADATA_DIR + "/" + job.action() + ".log";
    workspaceLock.hold(
        job.workspace(),
        () -> {
          for (Path workspace : List.of(highWorkspace, mediumWorkspace)) {
            JobLogWriter.copy(logsFile, SafePaths.resolve(workspace, actionLog));
          }
          return null;
        });
    store.write(job, metadata); // last: its presence means finalized
  }

  /** The error of a job whose outputs were refused: permanent, naming no file. */
  private JsonObject refused(OutputFiling.Refusal r) {
    return new JsonObject()
        .put("exception", "OutputsRefused")
        .put("message", r.message())
        .put("traceback", "")
        .put("permanent", true);
  }

  private static OutputMatch emptyMatch() {
    return new OutputMatch(Map.of(), List.of(), List.of(), List.of(), List.of(), 0, 0);
  }
}

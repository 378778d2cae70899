package org.rap.agent.executor;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.rap.agent.finalize.JobLogWriter;
import org.rap.agent.finalize.OutputFiling;
import org.rap.agent.metrics.JobMetricsSource;
import org.rap.agent.outputs.EnvRedactor;
import org.rap.agent.outputs.JobLog;
import org.rap.agent.outputs.Manifest;
import org.rap.agent.outputs.OutputMatch;
import org.rap.agent.outputs.OutputPersister;
import org.rap.agent.outputs.PersistedOutputs;
import org.rap.agent.outputs.SafePaths;
import org.rap.agent.outputs.SecretRedactor;
import org.rap.common.config.JobOutputLimits;
import org.rap.common.model.JobDefinition;

/**
 * Finalizing a job once its container has stopped, whatever ran it (docs/spec/agent-executor.md
 * section 6 steps 2 to 7): the outputs, the job log, the workspace logs and, last, {@code
 * metadata.json}. The executor supplies the container's inspect data and its output.
 *
 * <p>A job whose outputs cannot be filed (see {@link OutputFiling#refusal}) is finalized at once
 * with an error naming no file and nothing filed; its job log, which also goes to the workspace
 * logs the researcher reads, says which files and why. Everything the job printed passes through
 * the secret redactor and is kept within {@code MAX_LOG_BYTES}.
 */
final class JobFinalizer {
  static final int LOG_TAIL = 100_000;

  /** What the job's container left: its redacted-to-be inspect data and its output. */
  record Container(JsonObject inspect, JobLogWriter.LogSource logs) {}

  private final JobMetadataStore store;
  private final JobMetricsSource metrics;
  private final ProjectActions projectActions;
  private final JobOutputLimits limits;
  private final ConcurrentHashMap<String, Object> workspaceLocks = new ConcurrentHashMap<>();

  JobFinalizer(
      JobMetadataStore store,
      JobMetricsSource metrics,
      ProjectActions projectActions,
      JobOutputLimits limits) {
    this.store = store;
    this.metrics = metrics;
    this.projectActions = projectActions;
    this.limits = limits;
  }

  /**
   * Finalizes {@code job}; {@code container} is null when it never had one.
   *
   * @param secrets the values of secret settings the container got, masked in its log and refused
   *     in its medium-privacy outputs
   * @param error non-null: finalize with this error (no outputs)
   */
  void finalizeJob(
      JobDefinition job,
      Container container,
      Path volume,
      Path highWorkspace,
      Path mediumWorkspace,
      SecretRedactor secrets,
      boolean cancelled,
      JsonObject error)
      throws IOException {
    boolean failed = error != null;
    JsonObject inspect = container == null ? null : container.inspect();
    JobLogWriter.LogSource logs =
        container == null ? JobLogWriter.LogSource.NONE : container.logs();
    Path logsFile = store.logDir(job).resolve(JobMetadataStore.LOGS_FILE);
    if (cancelled || failed) {
      FinalizeMessages.Message msg =
          FinalizeMessages.of(inspect, cancelled, failed, Map.of(), List.of(), List.of());
      JsonObject metadata = metadata(job, inspect, emptyMatch(), Map.of(), msg, cancelled, error);
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
    JsonObject metadata;
    Map<String, String> excluded = Map.of();
    List<String> notFiled = List.of();
    if (refusal.isPresent()) {
      OutputFiling.Refusal r = refusal.get();
      JsonObject refused =
          new JsonObject()
              .put("exception", "OutputsRefused")
              .put("message", r.message())
              .put("traceback", "")
              .put("permanent", true);
      metadata =
          metadata(
              job,
              inspect,
              match,
              Map.of(),
              new FinalizeMessages.Message(r.message(), null),
              false,
              refused);
      notFiled = r.details();
    } else {
      Map<String, String> outputs = match.outputs();
      metadata =
          metadata(
              job,
              inspect,
              match,
              outputs,
              FinalizeMessages.of(
                  inspect,
                  false,
                  false,
                  outputs,
                  match.unmatchedPatterns(),
                  match.unmatchedOutputs()),
              false,
              null);
      Optional<Set<String>> actions =
          outputs.isEmpty()
              ? Optional.empty()
              : projectActions.actionsAt(job.study().gitRepoUrl(), job.study().commit());
      PersistedOutputs persisted;
      // jobs of one workspace finalize one at a time: manifest.json is read, updated and replaced
      synchronized (lock(job)) {
        persisted =
            OutputPersister.persist(
                job, outputs, volume, highWorkspace, mediumWorkspace, actions, secrets);
      }
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
    synchronized (lock(job)) {
      for (Path workspace : List.of(highWorkspace, mediumWorkspace)) {
        JobLogWriter.copy(logsFile, SafePaths.resolve(workspace, actionLog));
      }
    }
    store.write(job, metadata); // last: its presence means finalized
  }

  private Object lock(JobDefinition job) {
    return workspaceLocks.computeIfAbsent(job.workspace(), k -> new Object());
  }

  private JsonObject metadata(
      JobDefinition job,
      JsonObject inspect,
      OutputMatch match,
      Map<String, String> outputs,
      FinalizeMessages.Message msg,
      boolean cancelled,
      JsonObject error) {
    return JobMetadata.build(
        job,
        metrics,
        inspect == null ? null : EnvRedactor.redact(inspect),
        outputs,
        match.unmatchedPatterns(),
        match.unmatchedOutputs(),
        msg,
        cancelled,
        error);
  }

  private static OutputMatch emptyMatch() {
    return new OutputMatch(Map.of(), List.of(), List.of(), List.of(), List.of(), 0, 0);
  }
}

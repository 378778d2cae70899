package org.rap.agent.executor;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.agent.outputs.AtomicFiles;
import org.rap.agent.outputs.OutputGlob;
import org.rap.agent.outputs.PathEscapeException;
import org.rap.agent.outputs.SafePaths;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.Privacy;
import org.rap.common.model.Timestamps;

/**
 * Preparing a job's volume, whatever runtime will run it (docs/spec/agent-executor.md section 4
 * steps 1 and 4 to 8): the code checked out at the job's commit, the input files copied from the
 * outputs of earlier jobs, and last the timestamp file whose presence means "prepared". Blocking:
 * worker threads only. A job whose input cannot be had fails ({@link JobFailure}); a prepare killed
 * half-way leaves nothing an output pattern could match, and is simply done again.
 */
final class JobPreparer {
  private static final Logger LOG = Logger.getLogger(JobPreparer.class.getName());

  private final ExecutorSettings settings;
  private final JobLayout layout;
  private final CodeCheckout checkout;
  private final JobMetadataStore store;

  JobPreparer(
      ExecutorSettings settings, JobLayout layout, CodeCheckout checkout, JobMetadataStore store) {
    this.settings = settings;
    this.layout = layout;
    this.checkout = checkout;
    this.store = store;
  }

  /** Step 1 and the name rules (section 13): fails the job before anything is fetched. */
  void checkWorkspace(JobDefinition job) {
    JobLayout.checkActionName(job.action());
    Path highWorkspace = layout.workspaceDir(Privacy.HIGH, job.workspace());
    if (!Files.exists(highWorkspace) && layout.isArchived(job.workspace())) {
      LOG.info("Workspace " + job.workspace() + " has been archived.");
      throw new JobFailure(
          "Workspace "
              + job.workspace()
              + " has been archived. Contact the OpenSAFELY tech team to resolve");
    }
  }

  /** Steps 4 to 8, for a job whose state is unknown. */
  void prepare(JobDefinition job) throws IOException {
    for (String pattern : job.outputSpec().keySet()) {
      try {
        OutputGlob.compile(pattern);
      } catch (PathEscapeException e) {
        throw new JobFailure("Output pattern '" + pattern + "' is not allowed: " + e.getMessage());
      }
    }
    Path volume = layout.volumeDir(job);
    Files.createDirectories(volume);
    Set<String> inputs = inputsOf(job);
    try {
      checkout.checkout(job.repoUrl(), job.commit(), volume);
    } catch (Exception e) {
      String url = job.repoUrl();
      LOG.log(
          Level.WARNING,
          "Checkout of " + url + "@" + job.commit() + " failed: " + redactToken(String.valueOf(e)));
      throw new JobFailure("Could not checkout commit " + job.commit() + " from " + url);
    }
    copyInputs(job, inputs, volume);
    if (!sameUser()) {
      JobVolumes.openUpForContainerUser(volume);
    }
    Path timestamp = volume.resolve(JobVolumes.TIMESTAMP_FILE);
    AtomicFiles.deleteLeftovers(timestamp);
    AtomicFiles.writeString(timestamp, String.valueOf(Timestamps.nowNanos()));
  }

  /** The union of the outputs of the jobs of {@code input_job_ids} (step 5), each a safe path. */
  private Set<String> inputsOf(JobDefinition job) throws IOException {
    Set<String> inputs = new LinkedHashSet<>();
    for (String inputJob : job.inputJobIds()) {
      JsonObject outputs = store.read(inputJob).getJsonObject("outputs", new JsonObject());
      inputs.addAll(outputs.fieldNames());
    }
    for (String input : inputs) {
      try {
        SafePaths.checkRelative(input);
      } catch (PathEscapeException e) {
        throw new JobFailure("Input file '" + input + "' is not allowed: " + e.getMessage());
      }
    }
    return inputs;
  }

  /** Step 7: each input from the high-privacy workspace to the same path in the volume. */
  private void copyInputs(JobDefinition job, Set<String> inputs, Path volume) throws IOException {
    Path highWorkspace = layout.workspaceDir(Privacy.HIGH, job.workspace());
    for (String input : inputs) {
      Files.createDirectories(SafePaths.resolve(volume, input).getParent());
    }
    for (String input : inputs) {
      Path src;
      try {
        src = SafePaths.resolve(highWorkspace, input);
      } catch (PathEscapeException e) {
        throw new JobFailure("Input file '" + input + "' is not allowed: " + e.getMessage());
      }
      if (!Files.isRegularFile(src)) {
        throw new JobFailure(
            "The file "
                + input
                + " doesn't exist in workspace "
                + job.workspace()
                + " as requested for job "
                + job.id());
      }
      LOG.fine("Copying input file: " + input);
      Path dest = SafePaths.resolve(volume, input);
      // a prepare killed mid-copy must leave no file a pattern could match
      AtomicFiles.deleteLeftovers(dest);
      AtomicFiles.copy(src.toRealPath(), dest);
    }
  }

  private boolean sameUser() {
    String agent = ExecutorSettings.agentUser();
    return agent.split(":")[0].equals(settings.dockerUser().split(":")[0]);
  }

  private String redactToken(String text) {
    return settings.privateRepoAccessToken().map(t -> text.replace(t, "********")).orElse(text);
  }
}

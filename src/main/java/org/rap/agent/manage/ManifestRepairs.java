package org.rap.agent.manage;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.JobMetadataStore;
import org.rap.agent.outputs.CsvCounts;
import org.rap.agent.outputs.Manifest;
import org.rap.agent.outputs.OutputPersister;
import org.rap.agent.outputs.SafePaths;

/**
 * The manifest repairs of {@code rap manifest} (docs/spec/agent-executor.md section 12), with the
 * job-runner's behaviour ({@code update_manifest_out_of_date_actions}, {@code
 * update_manifest_for_old_job}). Blocking file and git work; prints nothing itself.
 */
public final class ManifestRepairs {
  /** Reads the action names of a study's project.yaml at a commit, and resolves branches. */
  public interface Study {
    /** The actions at {@code commit}, empty when project.yaml cannot be read there. */
    Optional<Set<String>> actionsAt(String repoUrl, String commit);

    /** The commit a branch of the remote repository points at. */
    String commitOf(String repoUrl, String branch) throws Exception;
  }

  /** A repair that cannot be done as asked; the message says why. */
  public static final class Refused extends Exception {
    public Refused(String message) {
      super(message);
    }
  }

  private final ExecutorSettings settings;
  private final Study study;

  public ManifestRepairs(ExecutorSettings settings, Study study) {
    this.settings = settings;
    this.study = study;
  }

  private Path mediumWorkspace(String workspace) throws Refused {
    if (!workspace.matches("[a-zA-Z0-9_-]+")) {
      throw new Refused("Not a workspace name: '" + workspace + "'");
    }
    return settings.mediumPrivacyWorkspacesDir().resolve(workspace);
  }

  private static JsonObject existingManifest(Path medium, String workspace)
      throws IOException, Refused {
    if (!Files.isRegularFile(Manifest.path(medium))) {
      // the workspace name was probably mistyped: never create a manifest here
      throw new Refused("Could not find existing manifest file for workspace " + workspace);
    }
    return Manifest.read(medium, workspace);
  }

  /**
   * {@code out_of_date_action} of every entry, recomputed from project.yaml at {@code commit}: true
   * when the entry's action is no longer there, false when it is.
   *
   * @return the lines to print
   */
  public List<String> markOutOfDateActions(String workspace, String repoUrl, String commit)
      throws IOException, Refused {
    Path medium = mediumWorkspace(workspace);
    JsonObject manifest = existingManifest(medium, workspace);
    Set<String> actions =
        study
            .actionsAt(repoUrl, commit)
            .orElseThrow(
                () ->
                    new Refused(
                        "Could not read project.yaml of " + repoUrl + " at commit " + commit));
    JsonObject outputs = manifest.getJsonObject("outputs");
    Set<String> outdated = new TreeSet<>();
    int changed = 0;
    for (String path : outputs.fieldNames()) {
      JsonObject entry = outputs.getJsonObject(path);
      boolean old = !actions.contains(entry.getString("action"));
      if (!Boolean.valueOf(old).equals(entry.getBoolean("out_of_date_action"))) {
        changed++;
      }
      entry.put("out_of_date_action", old);
      if (old) {
        outdated.add(entry.getString("action"));
      }
    }
    Manifest.write(medium, manifest);
    List<String> out = new ArrayList<>();
    out.add(
        "Updated "
            + Manifest.path(medium)
            + ": "
            + outputs.size()
            + " output(s), "
            + changed
            + " flag(s) changed");
    out.add(
        outdated.isEmpty()
            ? "Every output's action is in project.yaml at " + commit
            : "Actions no longer in project.yaml at "
                + commit
                + ": "
                + String.join(", ", outdated));
    return out;
  }

  /**
   * Adds the outputs of an old job that the manifest lacks (entries already present are kept), with
   * {@code out_of_date_output} when the job's action is still in project.yaml at the tip of {@code
   * branch}, else {@code out_of_date_action}. The manifest is first copied to {@code
   * manifest.json<job id>.bu}.
   */
  public List<String> addOldJob(
      String workspace, String partialJobId, String branch, String repoOverride) throws Exception {
    Path medium = mediumWorkspace(workspace);
    JsonObject manifest = existingManifest(medium, workspace);
    String jobId = fullJobId(partialJobId);
    JobMetadataStore store = new JobMetadataStore(settings.jobLogDir());
    JsonObject meta = store.read(jobId);
    JsonObject labels =
        Optional.ofNullable(meta.getJsonObject("container_metadata"))
            .map(c -> c.getJsonObject("Config"))
            .map(c -> c.getJsonObject("Labels"))
            .orElse(new JsonObject());
    String metaWorkspace = labels.getString("workspace");
    if (!workspace.equals(metaWorkspace)) {
      throw new Refused(
          "Metadata for job "
              + jobId
              + " does not match workspace provided. Expected "
              + workspace
              + ", found "
              + metaWorkspace);
    }
    String action = labels.getString("action");
    JsonObject outputs = manifest.getJsonObject("outputs");
    String repoUrl =
        repoOverride != null
            ? repoOverride
            : outputs.fieldNames().stream()
                .map(p -> outputs.getJsonObject(p).getString("repo"))
                .filter(r -> r != null && !r.isEmpty())
                .findFirst()
                .orElseThrow(
                    () ->
                        new Refused(
                            "The manifest of workspace "
                                + workspace
                                + " names no repository: give it with --repo"));
    String commit = study.commitOf(repoUrl, branch);
    Set<String> current =
        study
            .actionsAt(repoUrl, commit)
            .orElseThrow(
                () ->
                    new Refused(
                        "Could not read project.yaml of "
                            + repoUrl
                            + " at "
                            + branch
                            + " ("
                            + commit
                            + ")"));
    Path manifestFile = Manifest.path(medium);
    Files.copy(
        manifestFile,
        manifestFile.resolveSibling(manifestFile.getFileName() + jobId + ".bu"),
        StandardCopyOption.REPLACE_EXISTING);

    JsonObject levels = meta.getJsonObject("outputs", new JsonObject());
    JsonObject excludedFiles = meta.getJsonObject("level4_excluded_files", new JsonObject());
    Path high = settings.highPrivacyWorkspacesDir().resolve(workspace);
    List<String> out = new ArrayList<>();
    for (String output : new TreeSet<>(levels.fieldNames())) {
      if (outputs.containsKey(output)) {
        out.add(output + " exists in manifest.json, skipping");
        continue;
      }
      // the output itself, kept in the high-privacy workspace whatever its level
      Path file = SafePaths.resolve(high, output);
      if (!Files.isRegularFile(file)) {
        out.add(output + " is no longer in the workspace, skipping");
        continue;
      }
      out.add("Updating manifest output metadata for " + output);
      Integer rows = null;
      Integer cols = null;
      if (output.endsWith(".csv")) {
        try {
          CsvCounts c = CsvCounts.read(file);
          rows = c.rows();
          cols = c.cols();
        } catch (IOException | RuntimeException e) {
          // counts stay unknown, as for any unreadable CSV file
        }
      }
      JsonObject entry =
          OutputPersister.manifestEntry(
              file,
              levels.getString(output),
              meta.getString("job_definition_id", jobId),
              meta.getString("job_definition_rap_id"),
              action,
              meta.getString("user"),
              repoUrl,
              meta.getString("commit"),
              excludedFiles.containsKey(output),
              excludedFiles.getString(output),
              rows,
              cols);
      boolean stillThere = current.contains(action);
      entry.put("out_of_date_output", stillThere).put("out_of_date_action", !stillThere);
      outputs.put(output, entry);
    }
    Manifest.write(medium, manifest);
    return out;
  }

  /** The job whose log directory matches {@code logs/<month>/os-job-<partial>*}: exactly one. */
  String fullJobId(String partial) throws IOException, Refused {
    if (!partial.matches("[A-Za-z0-9_-]+")) {
      throw new Refused("Not a job id: '" + partial + "'");
    }
    Set<String> ids = new TreeSet<>();
    Path logs = settings.jobLogDir();
    if (Files.isDirectory(logs)) {
      try (DirectoryStream<Path> months = Files.newDirectoryStream(logs)) {
        for (Path month : months) {
          if (!Files.isDirectory(month)) {
            continue;
          }
          try (DirectoryStream<Path> jobs =
              Files.newDirectoryStream(month, AgentTools.CONTAINER_PREFIX + partial + "*")) {
            for (Path j : jobs) {
              ids.add(j.getFileName().toString().substring(AgentTools.CONTAINER_PREFIX.length()));
            }
          }
        }
      }
    }
    if (ids.isEmpty()) {
      throw new Refused("No match found for job id " + partial);
    }
    if (ids.size() > 1) {
      throw new Refused(
          "Multiple matches found for '"
              + partial
              + "', give more of the id: "
              + String.join(", ", ids));
    }
    return ids.iterator().next();
  }
}

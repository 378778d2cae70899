package org.rap.agent.executor;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.rap.agent.outputs.OutputNames;
import org.rap.agent.outputs.SafePaths;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.Privacy;

/**
 * Where a job's files live on the agent's storage (docs/spec/agent-executor.md section 7.1), for
 * every runtime: the job volume {@code HIGH_PRIVACY_VOLUME_DIR/<job id>}, the workspaces of both
 * privacy levels and the archives. Names that cannot be a directory entry fail the job.
 */
public record JobLayout(ExecutorSettings settings) {
  /** The archive formats of a workspace moved out of the high-privacy tree (section 4 step 1). */
  public static final List<String> ARCHIVE_FORMATS = List.of(".tar.gz", ".tar.zstd", ".tar.xz");

  /** {@code HIGH_PRIVACY_VOLUME_DIR/<job id>}. */
  public Path volumeDir(JobDefinition job) {
    if (job.id() == null || !job.id().matches("[A-Za-z0-9_-]+")) {
      throw new JobFailure("Invalid job id '" + job.id() + "'");
    }
    return settings.highPrivacyVolumeDir().resolve(job.id());
  }

  /** A workspace's directory in the tree of {@code privacy}. */
  public Path workspaceDir(Privacy privacy, String workspace) {
    if (workspace == null
        || workspace.isEmpty()
        || workspace.contains("/")
        || workspace.startsWith(".")) {
      throw new JobFailure("Invalid workspace name '" + OutputNames.display(workspace) + "'");
    }
    int bytes = workspace.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > OutputNames.NAME_MAX) {
      throw new JobFailure(
          "Workspace name is "
              + bytes
              + " bytes long; a workspace name may have at most "
              + OutputNames.NAME_MAX
              + " bytes (it names a directory)");
    }
    Path root =
        privacy == Privacy.HIGH
            ? settings.highPrivacyWorkspacesDir()
            : settings.mediumPrivacyWorkspacesDir();
    return SafePaths.resolve(root, workspace);
  }

  /** Whether an archive of {@code workspace} exists in {@code HIGH_PRIVACY_ARCHIVE_DIR}. */
  public boolean isArchived(String workspace) {
    for (String ext : ARCHIVE_FORMATS) {
      if (Files.exists(settings.highPrivacyArchiveDir().resolve(workspace + ext))) {
        return true;
      }
    }
    return false;
  }

  /** The action's log is {@code metadata/<action>.log}: its name must fit in a directory entry. */
  public static void checkActionName(String action) {
    int bytes = action == null ? 0 : action.getBytes(StandardCharsets.UTF_8).length;
    int max = OutputNames.NAME_MAX - ".log".length();
    if (bytes > max) {
      throw new JobFailure(
          "Action name is "
              + bytes
              + " bytes long; an action name may have at most "
              + max
              + " bytes (its log file is named after it)");
    }
  }
}

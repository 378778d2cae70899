package org.rap.controller.planning;

import java.util.List;
import java.util.regex.Pattern;
import org.rap.common.config.CommonConfig;

/**
 * The request checks of docs/spec/scheduling.md section 6.1 (all but the repository checks), in
 * order, and the workspace name's length (beyond the reference, which accepts any length and fails
 * when the agent files the job's outputs).
 */
public final class RequestChecks {
  private static final Pattern BAD_WORKSPACE_CHAR = Pattern.compile("[^a-zA-Z0-9_\\-]");

  /**
   * The longest workspace name (its characters are ASCII, so also bytes): the agent files a
   * workspace as a directory and archives it as {@code <name>.tar.zstd}, which must fit the file
   * system's 255-byte names. The RAP API's contract says the same ({@code maxLength}).
   */
  public static final int MAX_WORKSPACE_NAME = 200;

  private RequestChecks() {}

  public static void check(CreateRequest request, List<String> backends)
      throws JobCreationException {
    if (request.requestedActions().isEmpty()) {
      throw new JobCreationException("At least one action must be supplied");
    }
    if (request.workspace() == null || request.workspace().isEmpty()) {
      throw new JobCreationException("Workspace name cannot be blank");
    }
    if (BAD_WORKSPACE_CHAR.matcher(request.workspace()).find()) {
      throw new JobCreationException(
          "Invalid workspace name (allowed are alphanumeric, dash and underscore)");
    }
    if (request.workspace().length() > MAX_WORKSPACE_NAME) {
      throw new JobCreationException(
          "Workspace name is too long: "
              + request.workspace().length()
              + " characters (the limit is "
              + MAX_WORKSPACE_NAME
              + ")");
    }
    if (!backends.contains(request.backend())) {
      throw new JobCreationException(
          "Invalid backend '"
              + request.backend()
              + "', allowed are: "
              + String.join(", ", backends));
    }
    if (!CommonConfig.VALID_DATABASE_NAMES.contains(request.databaseName())) {
      throw new JobCreationException(
          "Invalid database name '"
              + request.databaseName()
              + "', allowed are: "
              + String.join(", ", CommonConfig.VALID_DATABASE_NAMES));
    }
  }
}

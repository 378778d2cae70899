package org.rap.common.config;

import org.rap.common.pipeline.ProjectLimits;

/**
 * The controller's input limits and overload behaviour (docs/spec/configuration.md section 3,
 * docs/spec/operations.md section 7).
 *
 * @param projectYamlMaxBytes {@code PROJECT_YAML_MAX_BYTES}: the largest project.yaml accepted,
 *     checked before it is read (default 2 MiB; at most 16 MiB)
 * @param rapApiMaxBodyBytes {@code RAP_API_MAX_BODY_BYTES}: the largest RAP API request body
 *     (default 1 MiB, about 50,000 RAP ids in one status request); larger ones get 413
 * @param taskApiMaxBodyBytes {@code TASK_API_MAX_BODY_BYTES}: the largest task update an agent may
 *     post (default 16 MiB); larger ones get 413
 * @param databaseRetryAfterSeconds {@code DATABASE_RETRY_AFTER}: the {@code Retry-After} of the 503
 *     answers while the database is not answering (default 2 s)
 */
public record ControllerLimits(
    long projectYamlMaxBytes,
    long rapApiMaxBodyBytes,
    long taskApiMaxBodyBytes,
    int databaseRetryAfterSeconds) {

  public static ControllerLimits from(Settings s) {
    long project = s.longValue("PROJECT_YAML_MAX_BYTES", ProjectLimits.DEFAULT_MAX_BYTES, 1024);
    if (project > ProjectLimits.HIGHEST_MAX_BYTES) {
      s.invalid(
          "PROJECT_YAML_MAX_BYTES",
          "must be at most " + ProjectLimits.HIGHEST_MAX_BYTES + " (16 MiB)",
          String.valueOf(project));
      project = ProjectLimits.DEFAULT_MAX_BYTES;
    }
    return new ControllerLimits(
        project,
        s.longValue("RAP_API_MAX_BODY_BYTES", 1_048_576L, 1024),
        s.longValue("TASK_API_MAX_BODY_BYTES", 16_777_216L, 1024),
        s.integer("DATABASE_RETRY_AFTER", 2, 1));
  }
}

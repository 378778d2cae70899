package org.rap.controller.scheduler;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.rap.common.config.BackendSettings;
import org.rap.common.config.ControllerConfig;
import org.rap.common.model.ImageNames;
import org.rap.common.model.Job;
import org.rap.common.model.JobDefinition;
import org.rap.common.text.Shell;

/**
 * Builds RUNJOB / CANCELJOB definitions and DB task payloads (docs/spec/job-model.md section 6).
 */
public final class JobDefinitions {
  public static final String DATABASE_UTILS_IMAGE = "tpp-database-utils:latest";

  private final ControllerConfig config;

  public JobDefinitions(ControllerConfig config) {
    this.config = config;
  }

  /** {@code <DOCKER_REGISTRY>/<image:tag>} of the job's run command. */
  public String imageOf(Job job) {
    return ImageNames.inRegistry(
        config.common().dockerRegistry(), Shell.split(job.runCommand()).get(0));
  }

  /**
   * The job definition for a RUNJOB task.
   *
   * @param inputJobIds ids of the latest non-cancelled job of each needed action (workspace state)
   * @param imageSha the resolved digest, or null
   */
  public JobDefinition build(Job job, String taskId, List<String> inputJobIds, String imageSha) {
    List<String> actionArgs = Shell.split(job.runCommand());
    if (actionArgs.isEmpty()) {
      throw new IllegalStateException("Job " + job.id() + " has an empty run_command");
    }
    String imageTag = actionArgs.get(0);
    String imageName = imageTag.split(":", 2)[0];
    Map<String, String> env = new LinkedHashMap<>();
    env.put("OPENSAFELY_BACKEND", job.backend());
    if (imageName.startsWith("stata-mp")) {
      config.stataLicense().ifPresent(l -> env.put("STATA_LICENSE", l));
    }
    if (job.requiresDb()) {
      env.put("EHRQL_PERMISSIONS", permissionsJson(job.analysisScope()));
      Object joins = config.workspaceEhrqlMaxJoinCount().get(job.workspace());
      if (joins != null) {
        env.put(
            "EHRQL_MAX_JOIN_COUNT",
            joins instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                ? String.valueOf(n.longValue())
                : String.valueOf(joins));
      }
    }
    Map<String, String> spec = new LinkedHashMap<>();
    job.outputSpec()
        .forEach((level, outputs) -> outputs.values().forEach(pattern -> spec.put(pattern, level)));
    boolean reusable = job.actionRepoUrl() != null;
    BackendSettings backend = config.backend(job.backend());
    return new JobDefinition(
        job.id(),
        job.rapId(),
        taskId,
        reusable ? job.actionRepoUrl() : job.repoUrl(),
        reusable ? job.actionCommit() : job.commit(),
        new JobDefinition.Study(job.repoUrl(), job.commit(), job.branch()),
        job.workspace(),
        job.action(),
        job.createdAt(),
        ImageNames.inRegistry(config.common().dockerRegistry(), imageTag),
        imageSha,
        List.copyOf(actionArgs.subList(1, actionArgs.size())),
        env,
        List.copyOf(inputJobIds),
        spec,
        job.requiresDb(),
        job.requiresDb() ? job.databaseName() : null,
        job.user(),
        backend == null ? 2.0 : backend.jobCpuCount(),
        backend == null ? "4G" : backend.jobMemoryLimit(),
        config.level4MaxFilesize(),
        config.level4MaxCsvRows(),
        JobDefinition.DEFAULT_LEVEL4_FILE_TYPES);
  }

  /** The CANCELJOB definition: the RUNJOB task's definition without {@code image_sha}. */
  public static JsonObject cancelDefinition(JsonObject runJobDefinition) {
    return runJobDefinition.copy().put("image_sha", null);
  }

  /** RUNJOB / CANCELJOB task attributes: user, project (default "unknown"), comma-joined orgs. */
  public static JsonObject attributes(Job job) {
    return new JsonObject()
        .put("user", job.user() == null || job.user().isEmpty() ? "unknown" : job.user())
        .put(
            "project", job.project() == null || job.project().isEmpty() ? "unknown" : job.project())
        .put("orgs", String.join(",", job.orgs()));
  }

  /** JSON text (Python {@code json.dumps} style) of every value list of the scope, in key order. */
  @SuppressWarnings("unchecked")
  static String permissionsJson(Map<String, Object> analysisScope) {
    List<Object> all = new ArrayList<>();
    analysisScope.forEach(
        (k, v) -> {
          if (v instanceof List<?> l) {
            all.addAll(l);
          } else if (v instanceof JsonArray a) {
            a.forEach(all::add);
          }
        });
    StringJoiner j = new StringJoiner(", ", "[", "]");
    for (Object o : all) {
      j.add(Json.encode(o));
    }
    return j.toString();
  }

  /** DBSTATUS payload (docs/spec/job-model.md section 6.2). */
  public JsonObject dbStatus(String imageSha) {
    return new JsonObject()
        .put("database_name", "default")
        .put("image", databaseUtilsImage())
        .put("image_sha", imageSha);
  }

  /** DBDATACHECK payload (docs/spec/job-model.md section 6.3). */
  public JsonObject dbDataCheck(String imageSha) {
    return new JsonObject()
        .put("hes_expected_activity_month", config.dataCheckHesExpectedActivityMonth())
        .put("image", databaseUtilsImage())
        .put("image_sha", imageSha);
  }

  public String databaseUtilsImage() {
    return ImageNames.inRegistry(config.common().dockerRegistry(), DATABASE_UTILS_IMAGE);
  }
}

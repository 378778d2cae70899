package org.rap.common.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The RUNJOB / CANCELJOB task payload (docs/spec/job-model.md section 6.1). The controller builds
 * it when it creates the task; the agent parses it, filling defaults for keys older definitions
 * lack.
 */
public record JobDefinition(
    String id,
    String rapId,
    String taskId,
    String repoUrl,
    String commit,
    Study study,
    String workspace,
    String action,
    long createdAt,
    String image,
    String imageSha,
    List<String> args,
    Map<String, String> env,
    List<String> inputJobIds,
    Map<String, String> outputSpec,
    boolean allowDatabaseAccess,
    String databaseName,
    String user,
    double cpuCount,
    String memoryLimit,
    long level4MaxFilesize,
    int level4MaxCsvRows,
    List<String> level4FileTypes) {

  public static final List<String> DEFAULT_LEVEL4_FILE_TYPES =
      List.of(
          ".csv", ".html", ".jpeg", ".jpg", ".json", ".log", ".md", ".png", ".svg", ".svgz",
          ".txt");

  /** The study repository (always the study, even for reusable actions). */
  public record Study(String gitRepoUrl, String commit, String branch) {}

  public JsonObject toJson() {
    JsonObject env = new JsonObject();
    this.env.forEach(env::put);
    JsonObject spec = new JsonObject();
    outputSpec.forEach(spec::put);
    return new JsonObject()
        .put("id", id)
        .put("rap_id", rapId)
        .put("task_id", taskId)
        .put("repo_url", repoUrl)
        .put("commit", commit)
        .put(
            "study",
            new JsonObject()
                .put("git_repo_url", study.gitRepoUrl())
                .put("commit", study.commit())
                .put("branch", study.branch()))
        .put("workspace", workspace)
        .put("action", action)
        .put("created_at", createdAt)
        .put("image", image)
        .put("image_sha", imageSha)
        .put("args", new JsonArray(new ArrayList<>(args)))
        .put("env", env)
        .put("inputs", new JsonArray())
        .put("input_job_ids", new JsonArray(new ArrayList<>(inputJobIds)))
        .put("output_spec", spec)
        .put("allow_database_access", allowDatabaseAccess)
        .put("database_name", databaseName)
        .put("user", user)
        .put("cpu_count", cpuCount)
        .put("memory_limit", memoryLimit)
        .put("level4_max_filesize", level4MaxFilesize)
        .put("level4_max_csv_rows", level4MaxCsvRows)
        .put("level4_file_types", new JsonArray(new ArrayList<>(level4FileTypes)));
  }

  /** Parses a definition, tolerating missing optional keys (older controllers). */
  public static JobDefinition fromJson(JsonObject j) {
    JsonObject study = j.getJsonObject("study", new JsonObject());
    Map<String, String> env = new LinkedHashMap<>();
    j.getJsonObject("env", new JsonObject())
        .forEach(e -> env.put(e.getKey(), String.valueOf(e.getValue())));
    Map<String, String> spec = new LinkedHashMap<>();
    j.getJsonObject("output_spec", new JsonObject())
        .forEach(e -> spec.put(e.getKey(), String.valueOf(e.getValue())));
    Number cpu = j.getNumber("cpu_count", 2.0);
    Number maxSize = j.getNumber("level4_max_filesize", 16_777_216L);
    Number maxRows = j.getNumber("level4_max_csv_rows", 5000);
    JsonArray types = j.getJsonArray("level4_file_types");
    return new JobDefinition(
        j.getString("id"),
        j.getString("rap_id", ""),
        j.getString("task_id", ""),
        j.getString("repo_url"),
        j.getString("commit"),
        new Study(
            study.getString("git_repo_url", j.getString("repo_url")),
            study.getString("commit", j.getString("commit")),
            study.getString("branch", "")),
        j.getString("workspace"),
        j.getString("action"),
        j.getLong("created_at", 0L),
        j.getString("image"),
        j.getString("image_sha"),
        strings(j.getJsonArray("args")),
        env,
        strings(j.getJsonArray("input_job_ids")),
        spec,
        j.getBoolean("allow_database_access", false),
        j.getString("database_name"),
        j.getString("user", ""),
        cpu.doubleValue(),
        j.getString("memory_limit", "4G"),
        maxSize.longValue(),
        maxRows.intValue(),
        types == null ? DEFAULT_LEVEL4_FILE_TYPES : strings(types));
  }

  private static List<String> strings(JsonArray a) {
    List<String> out = new ArrayList<>();
    if (a != null) {
      a.forEach(o -> out.add(String.valueOf(o)));
    }
    return List.copyOf(out);
  }
}

package org.rap.common.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the controller role reads from configuration, validated once.
 *
 * @param imageDigestLookup resolve each job image's digest from the registry when a RUNJOB task is
 *     created: on unless {@code LOCAL_IMAGES_ONLY}
 * @param taskLease how long a named agent holds a task without polling or reporting ({@code
 *     TASK_LEASE_SECONDS})
 */
public record ControllerConfig(
    CommonConfig common,
    String host,
    int port,
    Map<String, BackendSettings> backends,
    long level4MaxFilesize,
    int level4MaxCsvRows,
    Optional<String> stataLicense,
    List<String> maintenanceEnabledBackends,
    Duration maintenancePollInterval,
    List<String> dataCheckEnabledBackends,
    Duration dataCheckPollInterval,
    String dataCheckHesExpectedActivityMonth,
    Path backupsPath,
    Map<String, Object> workspaceEhrqlMaxJoinCount,
    int maxTaskAttempts,
    int maxLoopErrorsPerJob,
    Optional<String> jobServerEndpoint,
    Duration jobServerPollInterval,
    int longPollMaxSeconds,
    String actionsRepoBase,
    Optional<String> opsPageToken,
    boolean imageDigestLookup,
    List<String> allowedHosts,
    int rapApiRateLimit,
    int taskApiRateLimit,
    Optional<Path> jobServerCaFile,
    ControllerLimits limits,
    Duration taskLease) {

  /** Allowed hosts when none are configured: this machine only (what --role=all needs). */
  public static final String LOCAL_HOSTS = "localhost,127.0.0.1,[::1]";

  public static ControllerConfig from(Settings s) {
    CommonConfig common = CommonConfig.from(s);
    Map<String, BackendSettings> backends = new LinkedHashMap<>();
    for (String slug : common.backends()) {
      backends.put(slug, BackendSettings.from(s, slug));
    }
    Map<String, Object> joinCounts = Map.of();
    Optional<String> joins = s.get("WORKSPACE_EHRQL_MAX_JOIN_COUNT");
    if (joins.isPresent()) {
      try {
        joinCounts = new JsonObject(joins.get()).getMap();
      } catch (DecodeException | ClassCastException e) {
        s.problem(
            "WORKSPACE_EHRQL_MAX_JOIN_COUNT must be a JSON object {\"workspace\": count}, got '"
                + joins.get()
                + "'");
      }
    }
    s.get("DATABASE_URL")
        .ifPresent(
            url -> {
              if (!url.startsWith("postgresql://")
                  && !url.startsWith("postgres://")
                  && !url.startsWith("sqlite:")) {
                s.problem(
                    "DATABASE_URL",
                    "DATABASE_URL must be postgresql://user:password@host:port/database or"
                        + " sqlite:/absolute/path.sqlite, got '"
                        + url.replaceAll("//[^@/]*@", "//***@")
                        + "'");
              }
            });
    String month = s.string("DATA_CHECK_HES_EXPECTED_ACTIVITY_MONTH", "202304");
    if (!month.matches("\\d{6}")) {
      s.problem("DATA_CHECK_HES_EXPECTED_ACTIVITY_MONTH must be YYYYMM, got '" + month + "'");
    }
    return new ControllerConfig(
        common,
        s.string("CONTROLLER_HOST", "0.0.0.0"),
        s.port("CONTROLLER_PORT", 3000),
        Map.copyOf(backends),
        s.longValue("LEVEL4_MAX_FILESIZE", 16_777_216L, 1),
        s.integer("LEVEL4_MAX_CSV_ROWS", 5000, 1),
        s.raw("STATA_LICENSE"),
        s.list("MAINTENANCE_ENABLED_BACKENDS", "tpp"),
        Duration.ofSeconds(s.longValue("MAINTENANCE_POLL_INTERVAL", 300, 1)),
        s.list("DATA_CHECK_ENABLED_BACKENDS", "tpp"),
        Duration.ofSeconds(s.longValue("DATA_CHECK_POLL_INTERVAL", 86400, 1)),
        month,
        s.get("BACKUPS_PATH").map(Path::of).orElse(common.workdir().resolve("backups")),
        Map.copyOf(joinCounts),
        s.integer("MAX_TASK_ATTEMPTS", 3, 1),
        s.integer("MAX_LOOP_ERRORS_PER_JOB", 5, 1),
        s.get("JOB_SERVER_ENDPOINT"),
        Duration.ofMillis(Math.round(s.decimal("POLL_INTERVAL", 5.0, 0.0) * 1000)),
        s.integer("LONG_POLL_MAX_SECONDS", 60, 0),
        s.string(
            "ACTIONS_GITHUB_ORG_URL",
            "https://github.com/" + s.string("ACTIONS_GITHUB_ORG", "opensafely-actions")),
        s.raw("OPS_PAGE_TOKEN").map(String::strip).filter(t -> !t.isEmpty()),
        // digests are pinned wherever a registry is configured (docs/spec/scheduling.md 2.4)
        !common.localImagesOnly(),
        allowedHosts(s),
        s.integer("RAP_API_RATE_LIMIT", 3000, 0),
        s.integer("TASK_API_RATE_LIMIT", 6000, 0),
        TlsFiles.caFile(s, "JOB_SERVER_CA_FILE", s.get("JOB_SERVER_CA_FILE")),
        ControllerLimits.from(s),
        Duration.ofSeconds(s.longValue("TASK_LEASE_SECONDS", 300, 1)));
  }

  /**
   * {@code CONTROLLER_ALLOWED_HOSTS} (or the reference's {@code DJANGO_CONTROLLER_ALLOWED_HOSTS}):
   * host names the RAP and task APIs answer to. {@code *} allows any; {@code .example.org} a domain
   * and its subdomains. Unset: this machine's names only (a production controller must set it:
   * {@link StartupChecks}).
   */
  private static List<String> allowedHosts(Settings s) {
    String key =
        s.get("CONTROLLER_ALLOWED_HOSTS").isPresent()
            ? "CONTROLLER_ALLOWED_HOSTS"
            : "DJANGO_CONTROLLER_ALLOWED_HOSTS";
    List<String> hosts = s.list(key, LOCAL_HOSTS);
    for (String h : hosts) {
      if (!h.equals("*") && !h.matches("\\.?[A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.]+\\]")) {
        s.invalid(key, "must list host names (no scheme, port or path)", h);
      }
    }
    return hosts;
  }

  /** Backends in configuration order. */
  public List<String> backendSlugs() {
    return common.backends();
  }

  public BackendSettings backend(String slug) {
    return backends.get(slug);
  }
}

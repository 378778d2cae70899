package org.rap.common.config;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Every configuration key RAP reads, with its default and meaning: the single list behind
 * docs/spec/configuration.md (one table per {@link Group}, checked by {@code
 * ConfigurationReferenceTest}). Per-backend keys are written with the {@value #BACKEND_PREFIX}
 * prefix; {@link #forBackend} turns one into the key of a backend.
 */
public final class ConfigKeys {
  /** Stands for the upper-cased backend slug in per-backend keys. */
  public static final String BACKEND_PREFIX = "<B>_";

  /** Which table of docs/spec/configuration.md documents a key. */
  public enum Group {
    COMMON,
    CONTROLLER,
    PER_BACKEND,
    AGENT
  }

  /**
   * One configuration key.
   *
   * @param name the key, also its environment variable name
   * @param defaultValue the literal default as configuration would spell it, or null when the
   *     default is computed, empty or absent (then {@code defaultNote} says what it is)
   * @param defaultNote the default in words when there is no literal default, else null
   * @param description what the key means
   */
  public record Key(
      String name, Group group, String defaultValue, String defaultNote, String description) {
    public Key {
      if ((defaultValue == null) == (defaultNote == null)) {
        throw new IllegalArgumentException(name + ": give a literal default or a note, not both");
      }
    }

    /** The literal default, when there is one. */
    public Optional<String> literalDefault() {
      return Optional.ofNullable(defaultValue);
    }

    /** The Default cell of the key's row in docs/spec/configuration.md. */
    public String documentedDefault() {
      return defaultValue != null ? "`" + defaultValue + "`" : defaultNote;
    }

    public boolean perBackend() {
      return name.startsWith(BACKEND_PREFIX);
    }
  }

  private static final String UNSET = "unset";

  public static final List<Key> ALL =
      List.of(
          // Section 2: both roles
          literal("BACKENDS", Group.COMMON, "test,tpp,emis,ted", "backend slugs"),
          literal("WORKDIR", Group.COMMON, "workdir", "base directory of all local state"),
          note("DATABASE_URL", Group.COMMON, UNSET, "controller database; unset: SQLite"),
          literal("JOB_LOOP_INTERVAL", Group.COMMON, "1.0", "scheduler and poll interval, s"),
          literal("DOCKER_REGISTRY", Group.COMMON, "ghcr.io/opensafely-core", "image prefix"),
          literal("LOCAL_IMAGES_ONLY", Group.COMMON, "false", "no registry: no digests, no pulls"),
          literal(
              "GITHUB_PROXY_DOMAIN",
              Group.COMMON,
              "github-proxy.opensafely.org",
              "replaces github.com in git access"),
          note("PRIVATE_REPO_ACCESS_TOKEN", Group.COMMON, UNSET, "token for private repos"),
          literal(
              "ALLOWED_GITHUB_ORGS",
              Group.COMMON,
              "opensafely,opensafely-actions",
              "organisations study repositories may belong to"),
          literal("ALLOW_LOCAL_GIT_REPOS", Group.COMMON, "false", "accept local repository paths"),
          literal(
              "JOBRUNNER_VERSION_FILE_PATH",
              Group.COMMON,
              "/app/metadata/version.txt",
              "file holding the version string"),
          note(
              "VERSION",
              Group.COMMON,
              "the version file's content, else the jar's version, else `unknown`",
              "service version"),
          literal("LOGLEVEL", Group.COMMON, "INFO", "log level"),
          literal("LOG_FORMAT", Group.COMMON, "text", "text or json log lines"),
          literal("TRACE_LOG_LEVEL", Group.COMMON, "ERROR", "log level of the tracing libraries"),
          literal("SHUTDOWN_TIMEOUT", Group.COMMON, "10", "graceful shutdown limit, s"),
          note("RAP_CONFIG", Group.COMMON, UNSET, "configuration file (environment only)"),
          note("RAP_CONFIG_DIRS", Group.COMMON, UNSET, "one-file-per-key directories"),
          literal("OTEL_SERVICE_NAME", Group.COMMON, "jobrunner", "telemetry service.name"),
          note("OTEL_EXPORTER_OTLP_ENDPOINT", Group.COMMON, UNSET, "OTLP/HTTP collector URL"),
          note("OTEL_EXPORTER_OTLP_HEADERS", Group.COMMON, UNSET, "headers of every export"),
          note("OTEL_EXPORTER_CONSOLE", Group.COMMON, UNSET, "also log every span"),
          note("TLS_CERT_FILE", Group.COMMON, UNSET, "PEM certificate chain of the listener"),
          note("TLS_KEY_FILE", Group.COMMON, UNSET, "PEM private key of the listener"),
          literal("TLS_RELOAD_INTERVAL", Group.COMMON, "10", "seconds between checks of both"),
          // Section 3: controller
          literal("CONTROLLER_HOST", Group.CONTROLLER, "0.0.0.0", "HTTP bind address"),
          literal("CONTROLLER_PORT", Group.CONTROLLER, "3000", "HTTP port"),
          note(
              "CONTROLLER_ALLOWED_HOSTS",
              Group.CONTROLLER,
              "required for `--role=controller`; else `localhost,127.0.0.1,[::1]`",
              "host names the RAP and task APIs answer to"),
          note(
              "DJANGO_CONTROLLER_ALLOWED_HOSTS",
              Group.CONTROLLER,
              UNSET,
              "the reference's name of CONTROLLER_ALLOWED_HOSTS"),
          literal("RAP_API_RATE_LIMIT", Group.CONTROLLER, "3000", "requests/min per client token"),
          literal("TASK_API_RATE_LIMIT", Group.CONTROLLER, "6000", "requests/min per agent token"),
          literal("DEFAULT_JOB_CPU_COUNT", Group.CONTROLLER, "2", "cpu_count of jobs"),
          literal("DEFAULT_JOB_MEMORY_LIMIT", Group.CONTROLLER, "4G", "memory_limit of jobs"),
          literal("LEVEL4_MAX_FILESIZE", Group.CONTROLLER, "16777216", "level-4 size limit"),
          literal("LEVEL4_MAX_CSV_ROWS", Group.CONTROLLER, "5000", "level-4 CSV row limit"),
          note("STATA_LICENSE", Group.CONTROLLER, UNSET, "licence for stata-mp jobs"),
          literal("TICK_POLL_INTERVAL", Group.CONTROLLER, "30", "seconds between TICK traces"),
          literal(
              "MAINTENANCE_ENABLED_BACKENDS", Group.CONTROLLER, "tpp", "backends with DBSTATUS"),
          literal("MAINTENANCE_POLL_INTERVAL", Group.CONTROLLER, "300", "DBSTATUS interval, s"),
          literal(
              "DATA_CHECK_ENABLED_BACKENDS", Group.CONTROLLER, "tpp", "backends with DBDATACHECK"),
          literal("DATA_CHECK_POLL_INTERVAL", Group.CONTROLLER, "86400", "DBDATACHECK interval"),
          literal(
              "DATA_CHECK_HES_EXPECTED_ACTIVITY_MONTH",
              Group.CONTROLLER,
              "202304",
              "month checked by DBDATACHECK"),
          note("BACKUPS_PATH", Group.CONTROLLER, "`WORKDIR`/backups", "snapshot directory"),
          literal(
              "WORKSPACE_EHRQL_MAX_JOIN_COUNT",
              Group.CONTROLLER,
              "{}",
              "per-workspace EHRQL_MAX_JOIN_COUNT"),
          literal("MAX_TASK_ATTEMPTS", Group.CONTROLLER, "3", "errored RUNJOB tasks per job"),
          literal("MAX_LOOP_ERRORS_PER_JOB", Group.CONTROLLER, "5", "scheduler failures per job"),
          literal("LONG_POLL_MAX_SECONDS", Group.CONTROLLER, "60", "longest task API long poll"),
          literal("TASK_LEASE_SECONDS", Group.CONTROLLER, "300", "a named agent's task lease"),
          note("JOB_SERVER_ENDPOINT", Group.CONTROLLER, UNSET, "job-server API v2 (sync mode)"),
          literal("POLL_INTERVAL", Group.CONTROLLER, "5", "seconds between sync rounds"),
          note("JOB_SERVER_CA_FILE", Group.CONTROLLER, UNSET, "CA trusted for job-server"),
          literal(
              "ACTIONS_GITHUB_ORG",
              Group.CONTROLLER,
              "opensafely-actions",
              "organisation of reusable actions"),
          note(
              "ACTIONS_GITHUB_ORG_URL",
              Group.CONTROLLER,
              "`https://github.com/` followed by `ACTIONS_GITHUB_ORG`",
              "base URL of reusable action repositories"),
          note("OPS_PAGE_TOKEN", Group.CONTROLLER, UNSET, "token of the operator page"),
          literal("PROJECT_YAML_MAX_BYTES", Group.CONTROLLER, "2097152", "largest project.yaml"),
          literal("RAP_API_MAX_BODY_BYTES", Group.CONTROLLER, "1048576", "largest RAP API body"),
          literal("TASK_API_MAX_BODY_BYTES", Group.CONTROLLER, "16777216", "largest task update"),
          literal("DATABASE_RETRY_AFTER", Group.CONTROLLER, "2", "Retry-After of 503s, s"),
          // Section 3: per backend
          note(
              "<B>_CLIENT_TOKENS",
              Group.PER_BACKEND,
              "required for `--role=controller` (not in sync mode); `--role=all`: generated",
              "RAP API client tokens"),
          note(
              "<B>_JOB_SERVER_TOKEN",
              Group.PER_BACKEND,
              "required for `--role=controller`; `--role=all`: generated",
              "the agent's token"),
          note(
              "<B>_MAX_WORKERS",
              Group.PER_BACKEND,
              "`2` for `test`, `10` for any other backend",
              "capacity for non-database jobs"),
          note(
              "<B>_MAX_DB_WORKERS",
              Group.PER_BACKEND,
              "the value of `<B>_MAX_WORKERS`",
              "capacity for database jobs"),
          note(
              "<B>_JOB_CPU_COUNT",
              Group.PER_BACKEND,
              "the value of `DEFAULT_JOB_CPU_COUNT`",
              "cpu_count of the backend's jobs"),
          note(
              "<B>_JOB_MEMORY_LIMIT",
              Group.PER_BACKEND,
              "the value of `DEFAULT_JOB_MEMORY_LIMIT`",
              "memory_limit of the backend's jobs"),
          // Section 4: agent
          note("BACKEND", Group.AGENT, "required", "this agent's backend slug"),
          note("CONTROLLER_TASK_API_ENDPOINT", Group.AGENT, "required", "controller base URL"),
          note(
              "CONTROLLER_TASK_API_TOKEN",
              Group.AGENT,
              "required; `--role=all`: its backend's token",
              "task API token"),
          note("CONTROLLER_CA_FILE", Group.AGENT, UNSET, "CA trusted for the controller"),
          literal("AGENT_HOST", Group.AGENT, "0.0.0.0", "HTTP bind address"),
          literal("AGENT_PORT", Group.AGENT, "3001", "HTTP port"),
          literal("AGENT_LONG_POLL_SECONDS", Group.AGENT, "30", "wait asked of the task API"),
          note(
              "AGENT_ID",
              Group.AGENT,
              "the host name, `-`, then `AGENT_PORT`",
              "this agent's id among its backend's agents"),
          note(
              "AGENT_MAX_WORKERS",
              Group.AGENT,
              "the number of processors",
              "jobs this agent runs at once"),
          literal("USING_DUMMY_DATA_BACKEND", Group.AGENT, "false", "no real database"),
          note("DEFAULT_DATABASE_URL", Group.AGENT, UNSET, "URL of database `default`"),
          note("TEMP_DATABASE_NAME", Group.AGENT, UNSET, "given to database jobs"),
          note("EMIS_ORGANISATION_HASH", Group.AGENT, UNSET, "given to database jobs"),
          note("PRESTO_TLS_CERT_PATH", Group.AGENT, UNSET, "file given as PRESTO_TLS_CERT"),
          note("PRESTO_TLS_KEY_PATH", Group.AGENT, UNSET, "file given as PRESTO_TLS_KEY"),
          literal("STATS_POLL_INTERVAL", Group.AGENT, "10", "container sampling interval, s"),
          literal("EXECUTOR", Group.AGENT, "docker", "the executor"),
          note(
              "HIGH_PRIVACY_STORAGE_BASE",
              Group.AGENT,
              "`WORKDIR`/high_privacy",
              "level-3 storage tree"),
          note(
              "MEDIUM_PRIVACY_STORAGE_BASE",
              Group.AGENT,
              "`WORKDIR`/medium_privacy",
              "level-4 storage tree"),
          note(
              "HIGH_PRIVACY_ARCHIVE_DIR",
              Group.AGENT,
              "`HIGH_PRIVACY_STORAGE_BASE`/archives",
              "archived workspaces"),
          note(
              "HIGH_PRIVACY_VOLUME_DIR",
              Group.AGENT,
              "`HIGH_PRIVACY_STORAGE_BASE`/volumes",
              "job volume directories"),
          note("DOCKER_HOST_VOLUME_DIR", Group.AGENT, UNSET, "host path of the volume directory"),
          note("DOCKER_USER_ID", Group.AGENT, "the agent's uid", "uid of job containers"),
          note("DOCKER_GROUP_ID", Group.AGENT, "the agent's gid", "gid of job containers"),
          literal("DATABASE_ACCESS_NETWORK", Group.AGENT, "jobrunner-db", "database network"),
          literal(
              "DOCKER_PROXY",
              Group.AGENT,
              "docker-proxy.opensafely.org/opensafely-core",
              "pull-through image proxy; none: never pull"),
          literal("IMAGE_PULL_TIMEOUT", Group.AGENT, "1200", "seconds per image pull"),
          literal("MAX_LOG_BYTES", Group.AGENT, "16M", "job output kept in a job log"),
          literal("MAX_OUTPUT_BYTES", Group.AGENT, "32G", "total size of a job's outputs"),
          literal("MAX_OUTPUT_FILES", Group.AGENT, "10000", "output files of a job"),
          literal("DOCKER_HOST", Group.AGENT, "unix:///var/run/docker.sock", "Docker engine"),
          // Section 4.1: agent, Kubernetes
          note("KUBECONFIG", Group.AGENT, "unset: in-cluster", "kubeconfig of the API server"),
          note(
              "K8S_NAMESPACE",
              Group.AGENT,
              "the agent's own namespace, else `default`",
              "namespace of job Jobs"),
          note("K8S_NODE_SELECTOR", Group.AGENT, UNSET, "node labels of job pods"),
          note("K8S_TOLERATIONS", Group.AGENT, UNSET, "taints job pods tolerate"),
          note("K8S_IMAGE_PULL_SECRETS", Group.AGENT, UNSET, "Secrets to pull job images"),
          note("K8S_STORAGE_CLAIM", Group.AGENT, UNSET, "claim holding the job volumes"),
          note("K8S_STORAGE_MOUNT", Group.AGENT, UNSET, "the claim's mount point on the agent"),
          literal("K8S_PENDING_TIMEOUT", Group.AGENT, "1200", "longest pending job pod, s"),
          literal("K8S_JOB_TTL_SECONDS", Group.AGENT, "604800", "finished Jobs kept, s"));

  private ConfigKeys() {}

  /** The key of this name (per-backend keys by their {@code <B>_} form). */
  public static Optional<Key> find(String name) {
    return ALL.stream().filter(k -> k.name().equals(name)).findFirst();
  }

  /** The keys of one group, in documentation order. */
  public static List<Key> of(Group group) {
    return ALL.stream().filter(k -> k.group() == group).toList();
  }

  /** The key of a per-backend setting for {@code slug}, e.g. {@code TPP_MAX_WORKERS}. */
  public static String forBackend(Key key, String slug) {
    if (!key.perBackend()) {
      throw new IllegalArgumentException(key.name() + " is not a per-backend key");
    }
    return backendPrefix(slug) + key.name().substring(BACKEND_PREFIX.length());
  }

  /** The prefix of a backend's keys: upper-cased slug, {@code -} as {@code _}, then {@code _}. */
  public static String backendPrefix(String slug) {
    return slug.toUpperCase(Locale.ROOT).replace('-', '_') + "_";
  }

  private static Key literal(String name, Group group, String value, String description) {
    return new Key(name, group, value, null, description);
  }

  private static Key note(String name, Group group, String note, String description) {
    return new Key(name, group, null, note, description);
  }
}

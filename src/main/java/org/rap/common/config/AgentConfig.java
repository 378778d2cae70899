package org.rap.common.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the agent role reads from configuration, validated once.
 *
 * @param agentId this agent's id among its backend's agents ({@code AGENT_ID})
 * @param maxWorkers jobs this agent runs at once, advertised to the controller ({@code
 *     AGENT_MAX_WORKERS})
 */
public record AgentConfig(
    CommonConfig common,
    String backend,
    String host,
    int port,
    String taskApiEndpoint,
    String taskApiToken,
    boolean usingDummyDataBackend,
    Map<String, String> databaseUrls,
    Optional<String> tempDatabaseName,
    Optional<String> emisOrganisationHash,
    Optional<String> prestoTlsCert,
    Optional<String> prestoTlsKey,
    Duration statsPollInterval,
    String executor,
    Path highPrivacyStorageBase,
    Path mediumPrivacyStorageBase,
    Path highPrivacyArchiveDir,
    Path highPrivacyVolumeDir,
    Optional<Path> dockerHostVolumeDir,
    Optional<String> dockerUser,
    String databaseAccessNetwork,
    String dockerProxy,
    Duration imagePullTimeout,
    int longPollSeconds,
    KubernetesConfig kubernetes,
    JobOutputLimits outputLimits,
    Optional<Path> controllerCaFile,
    String agentId,
    int maxWorkers) {

  /**
   * {@code EXECUTOR} values: {@code docker}, also spelled as the reference's module paths of its
   * local Docker executor (old and new layout), so a reference environment keeps working; {@code
   * kubernetes}.
   */
  static final Map<String, String> EXECUTORS =
      Map.of(
          "docker", "docker",
          "kubernetes", "kubernetes",
          "local", "docker",
          "jobrunner.executors.local:LocalDockerAPI", "docker",
          "agent.executors.local:LocalDockerAPI", "docker");

  public static AgentConfig from(Settings s) {
    CommonConfig common = CommonConfig.from(s);
    String backend = s.required("BACKEND", "this agent's backend slug, one of BACKENDS");
    if (!backend.isEmpty() && !common.backends().contains(backend)) {
      s.problem(
          "BACKEND "
              + backend
              + " is not valid, allowed backends are: "
              + String.join(", ", common.backends()));
    }
    String endpoint =
        s.required(
            "CONTROLLER_TASK_API_ENDPOINT", "the controller base URL, e.g. http://localhost:3000/");
    if (!endpoint.isEmpty() && !endpoint.matches("https?://[^/?#]+/([^?#]*/)?")) {
      s.invalid("CONTROLLER_TASK_API_ENDPOINT", "must be an http(s) URL ending with '/'", endpoint);
    }
    Optional<Path> ca = TlsFiles.caFile(s, "CONTROLLER_CA_FILE", s.get("CONTROLLER_CA_FILE"));
    if (ca.isPresent() && endpoint.startsWith("http://")) {
      s.problem(
          "CONTROLLER_CA_FILE",
          "CONTROLLER_CA_FILE is set but CONTROLLER_TASK_API_ENDPOINT is plain http: use https://");
    }
    Map<String, String> dbUrls = new LinkedHashMap<>();
    for (String name : CommonConfig.VALID_DATABASE_NAMES) {
      s.raw(name.toUpperCase(Locale.ROOT) + "_DATABASE_URL").ifPresent(u -> dbUrls.put(name, u));
    }
    Optional<String> certPath = s.get("PRESTO_TLS_CERT_PATH");
    Optional<String> keyPath = s.get("PRESTO_TLS_KEY_PATH");
    Optional<String> cert = Optional.empty();
    Optional<String> key = Optional.empty();
    if (certPath.isPresent() != keyPath.isPresent()) {
      s.problem("Both PRESTO_TLS_KEY_PATH and PRESTO_TLS_CERT_PATH must be defined if either are");
    } else if (certPath.isPresent()) {
      cert = readFile(s, "PRESTO_TLS_CERT_PATH", certPath.get());
      key = readFile(s, "PRESTO_TLS_KEY_PATH", keyPath.get());
    }
    String given = s.string("EXECUTOR", "docker");
    String executor = EXECUTORS.get(given);
    if (executor == null) {
      s.invalid(
          "EXECUTOR",
          "must be docker or kubernetes (the reference's jobrunner.executors.local:LocalDockerAPI"
              + " is accepted for docker)",
          given);
      executor = "docker";
    }
    Path high =
        s.absolutePath("HIGH_PRIVACY_STORAGE_BASE", common.workdir().resolve("high_privacy"));
    Path medium =
        s.absolutePath("MEDIUM_PRIVACY_STORAGE_BASE", common.workdir().resolve("medium_privacy"));
    int port = s.port("AGENT_PORT", 3001);
    String agentId = s.string("AGENT_ID", defaultAgentId(port));
    if (!agentId.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
      s.invalid(
          "AGENT_ID",
          "must be 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit",
          agentId);
    }
    Optional<String> uid = s.get("DOCKER_USER_ID");
    Optional<String> gid = s.get("DOCKER_GROUP_ID");
    Optional<String> user = Optional.empty();
    if (uid.isPresent() || gid.isPresent()) {
      user = Optional.of(uid.orElse("") + ":" + gid.orElse(""));
    }
    return new AgentConfig(
        common,
        backend,
        s.string("AGENT_HOST", "0.0.0.0"),
        port,
        endpoint,
        s.raw("CONTROLLER_TASK_API_TOKEN").orElse(""),
        s.flag("USING_DUMMY_DATA_BACKEND", false, "true", "1", "yes"),
        Map.copyOf(dbUrls),
        s.get("TEMP_DATABASE_NAME"),
        s.get("EMIS_ORGANISATION_HASH"),
        cert,
        key,
        Duration.ofMillis(Math.round(s.decimal("STATS_POLL_INTERVAL", 10.0, 0.0) * 1000)),
        executor,
        high,
        medium,
        s.absolutePath("HIGH_PRIVACY_ARCHIVE_DIR", high.resolve("archives")),
        s.absolutePath("HIGH_PRIVACY_VOLUME_DIR", high.resolve("volumes")),
        s.get("DOCKER_HOST_VOLUME_DIR").map(Path::of),
        user,
        s.string("DATABASE_ACCESS_NETWORK", "jobrunner-db"),
        s.string("DOCKER_PROXY", "docker-proxy.opensafely.org/opensafely-core"),
        Duration.ofSeconds(s.longValue("IMAGE_PULL_TIMEOUT", 1200, 1)),
        s.integer("AGENT_LONG_POLL_SECONDS", 30, 0),
        KubernetesConfig.from(s, executor.equals("kubernetes")),
        JobOutputLimits.from(s),
        ca,
        agentId,
        s.integer("AGENT_MAX_WORKERS", Runtime.getRuntime().availableProcessors(), 1));
  }

  /** The host name, {@code -}, then the port: unique per agent unless two share host and port. */
  static String defaultAgentId(int port) {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "agent";
    }
    String clean = host.replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("^[^A-Za-z0-9]+", "");
    if (clean.isEmpty()) {
      clean = "agent";
    }
    String suffix = "-" + port;
    return clean.substring(0, Math.min(clean.length(), 100 - suffix.length())) + suffix;
  }

  /**
   * Whether this agent pulls job images it lacks (by digest, through {@code DOCKER_PROXY}): always,
   * unless {@code LOCAL_IMAGES_ONLY} is set or {@code DOCKER_PROXY} is {@code none}.
   */
  public boolean pullsImages() {
    return !common.localImagesOnly() && !"none".equalsIgnoreCase(dockerProxy);
  }

  private static Optional<String> readFile(Settings s, String key, String path) {
    try {
      return Optional.of(Files.readString(Path.of(path)));
    } catch (Exception e) {
      s.problem(key + " points to a file that cannot be read: " + path);
      return Optional.empty();
    }
  }
}

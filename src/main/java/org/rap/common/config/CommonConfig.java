package org.rap.common.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Settings both roles share (docs/spec/configuration.md section 2).
 *
 * @param localImagesOnly no registry: job images are neither pinned to a digest by the controller
 *     nor pulled by agents; the local image carrying the tag runs ({@code LOCAL_IMAGES_ONLY})
 */
public record CommonConfig(
    List<String> backends,
    Path workdir,
    Duration jobLoopInterval,
    String dockerRegistry,
    boolean localImagesOnly,
    String githubProxyDomain,
    Optional<String> privateRepoAccessToken,
    List<String> allowedGithubOrgs,
    boolean allowLocalGitRepos,
    Optional<String> databaseUrl,
    String version,
    String logLevel,
    Duration shutdownTimeout,
    Optional<ServerTls> tls) {

  public static final List<String> VALID_DATABASE_NAMES = List.of("default");

  public static CommonConfig from(Settings s) {
    List<String> backends = s.list("BACKENDS", "test,tpp,emis,ted");
    if (backends.isEmpty()) {
      s.problem("BACKENDS must list at least one backend slug, e.g. 'test,tpp'");
    }
    for (String b : backends) {
      if (!b.matches("[a-z0-9][a-z0-9_-]*")) {
        s.problem("BACKENDS entries must be lower-case slugs ([a-z0-9_-]), got '" + b + "'");
      }
    }
    String logFormat = s.string("LOG_FORMAT", "text");
    if (!logFormat.equalsIgnoreCase("text") && !logFormat.equalsIgnoreCase("json")) {
      s.problem("LOG_FORMAT must be 'text' or 'json', got '" + logFormat + "'");
    }
    Path workdir = Path.of(s.string("WORKDIR", "workdir")).toAbsolutePath().normalize();
    double loop = s.decimal("JOB_LOOP_INTERVAL", 1.0, 0.0);
    // the controller's database (checked by ControllerConfig); an agent ignores it, as job
    // containers of database actions get a DATABASE_URL of their own
    Optional<String> dbUrl = s.get("DATABASE_URL");
    return new CommonConfig(
        backends,
        workdir,
        Duration.ofMillis(Math.round(loop * 1000)),
        s.string("DOCKER_REGISTRY", "ghcr.io/opensafely-core"),
        s.flag("LOCAL_IMAGES_ONLY", false, "true", "1", "yes", "on"),
        s.string("GITHUB_PROXY_DOMAIN", "github-proxy.opensafely.org"),
        s.raw("PRIVATE_REPO_ACCESS_TOKEN").map(String::strip).filter(t -> !t.isEmpty()),
        s.list("ALLOWED_GITHUB_ORGS", "opensafely,opensafely-actions"),
        s.flag("ALLOW_LOCAL_GIT_REPOS", false, "true"),
        dbUrl,
        s.get("VERSION").orElseGet(() -> readVersion(s)),
        s.string("LOGLEVEL", "INFO"),
        Duration.ofMillis(Math.round(s.decimal("SHUTDOWN_TIMEOUT", 10.0, 0.0) * 1000)),
        TlsFiles.server(s));
  }

  private static String readVersion(Settings s) {
    Path file = Path.of(s.string("JOBRUNNER_VERSION_FILE_PATH", "/app/metadata/version.txt"));
    try {
      if (Files.isReadable(file)) {
        return Files.readString(file).strip();
      }
    } catch (Exception e) {
      // fall through
    }
    String impl = CommonConfig.class.getPackage().getImplementationVersion();
    return impl == null ? "unknown" : impl;
  }

  /** The SQLite file used when DATABASE_URL is unset. */
  public Path sqlitePath() {
    return workdir.resolve("db.sqlite");
  }
}

package org.rap.agent.executor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.rap.common.config.AgentConfig;
import org.rap.common.config.JobOutputLimits;

/**
 * Everything the Docker executor reads from configuration (docs/spec/configuration.md section 4),
 * as one immutable value. Build it from {@link AgentConfig} or directly in tests.
 *
 * @param dockerUser {@code uid:gid} of job containers
 * @param pullImages pull images by digest through {@code dockerProxy} when no local image matches;
 *     false on machines without a registry
 * @param pidsLimit maximum processes and threads in a job container
 * @param allowLocalGitRepos accept local paths as repository URLs (ALLOW_LOCAL_GIT_REPOS)
 * @param outputLimits what one job may leave behind (MAX_LOG_BYTES, MAX_OUTPUT_BYTES,
 *     MAX_OUTPUT_FILES)
 * @param agentId the agent's {@code AGENT_ID}, labelled on its runs; empty: none
 */
public record ExecutorSettings(
    String backend,
    Path workdir,
    Path highPrivacyStorageBase,
    Path mediumPrivacyStorageBase,
    Path highPrivacyArchiveDir,
    Path highPrivacyVolumeDir,
    Optional<Path> dockerHostVolumeDir,
    String dockerUser,
    String dockerRegistry,
    String dockerProxy,
    boolean pullImages,
    Duration imagePullTimeout,
    String databaseAccessNetwork,
    boolean usingDummyDataBackend,
    Map<String, String> databaseUrls,
    Optional<String> tempDatabaseName,
    Optional<String> emisOrganisationHash,
    Optional<String> prestoTlsCert,
    Optional<String> prestoTlsKey,
    String githubProxyDomain,
    Optional<String> privateRepoAccessToken,
    long pidsLimit,
    boolean allowLocalGitRepos,
    JobOutputLimits outputLimits,
    String agentId) {

  public static final long DEFAULT_PIDS_LIMIT = 4096;

  /**
   * From the agent configuration. Image pulls are off only when {@code LOCAL_IMAGES_ONLY} is set
   * (or, for this agent alone, {@code DOCKER_PROXY=none}); a local image with the pinned digest is
   * always preferred to a pull.
   */
  public static ExecutorSettings from(AgentConfig c) {
    boolean pull = c.pullsImages();
    return new ExecutorSettings(
        c.backend(),
        c.common().workdir(),
        c.highPrivacyStorageBase(),
        c.mediumPrivacyStorageBase(),
        c.highPrivacyArchiveDir(),
        c.highPrivacyVolumeDir(),
        c.dockerHostVolumeDir(),
        c.dockerUser().filter(u -> u.matches("\\d+:\\d+")).orElseGet(ExecutorSettings::agentUser),
        c.common().dockerRegistry(),
        c.dockerProxy(),
        pull,
        c.imagePullTimeout(),
        c.databaseAccessNetwork(),
        c.usingDummyDataBackend(),
        c.databaseUrls(),
        c.tempDatabaseName(),
        c.emisOrganisationHash(),
        c.prestoTlsCert(),
        c.prestoTlsKey(),
        c.common().githubProxyDomain(),
        c.common().privateRepoAccessToken(),
        DEFAULT_PIDS_LIMIT,
        c.common().allowLocalGitRepos(),
        c.outputLimits(),
        c.agentId());
  }

  /** Settings for a local, registry-less, dummy-data agent rooted at {@code base} (tests). */
  public static ExecutorSettings local(String backend, Path base) {
    Path high = base.resolve("high_privacy");
    return new ExecutorSettings(
        backend,
        base,
        high,
        base.resolve("medium_privacy"),
        high.resolve("archives"),
        high.resolve("volumes"),
        Optional.empty(),
        agentUser(),
        "ghcr.io/opensafely-core",
        "none",
        false,
        Duration.ofMinutes(20),
        "jobrunner-db",
        true,
        Map.of(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        "github-proxy.opensafely.org",
        Optional.empty(),
        DEFAULT_PIDS_LIMIT,
        true,
        JobOutputLimits.DEFAULTS,
        "");
  }

  public ExecutorSettings withDockerUser(String user) {
    return edited(c -> c.dockerUser = user);
  }

  public ExecutorSettings withDockerHostVolumeDir(Path hostDir) {
    return edited(c -> c.dockerHostVolumeDir = Optional.of(hostDir));
  }

  public ExecutorSettings withDockerRegistry(String registry) {
    return edited(c -> c.dockerRegistry = registry);
  }

  public ExecutorSettings withOutputLimits(JobOutputLimits limits) {
    return edited(c -> c.outputLimits = limits);
  }

  /** A real (non-dummy) database backend: DB jobs get secrets and the database network. */
  public ExecutorSettings withRealDatabase(
      String network, Map<String, String> urls, Optional<String> tempDatabase) {
    return edited(
        c -> {
          c.databaseAccessNetwork = network;
          c.usingDummyDataBackend = false;
          c.databaseUrls = Map.copyOf(urls);
          c.tempDatabaseName = tempDatabase;
        });
  }

  /** A copy with the settings {@code edit} changes. */
  private ExecutorSettings edited(Consumer<Copy> edit) {
    Copy c = new Copy(this);
    edit.accept(c);
    return c.build();
  }

  /** The settings a {@code with...} method may change, and the rest as they are. */
  private static final class Copy {
    private final ExecutorSettings from;
    private Optional<Path> dockerHostVolumeDir;
    private String dockerUser;
    private String dockerRegistry;
    private String databaseAccessNetwork;
    private boolean usingDummyDataBackend;
    private Map<String, String> databaseUrls;
    private Optional<String> tempDatabaseName;
    private JobOutputLimits outputLimits;

    Copy(ExecutorSettings from) {
      this.from = from;
      this.dockerHostVolumeDir = from.dockerHostVolumeDir;
      this.dockerUser = from.dockerUser;
      this.dockerRegistry = from.dockerRegistry;
      this.databaseAccessNetwork = from.databaseAccessNetwork;
      this.usingDummyDataBackend = from.usingDummyDataBackend;
      this.databaseUrls = from.databaseUrls;
      this.tempDatabaseName = from.tempDatabaseName;
      this.outputLimits = from.outputLimits;
    }

    ExecutorSettings build() {
      return new ExecutorSettings(
          from.backend,
          from.workdir,
          from.highPrivacyStorageBase,
          from.mediumPrivacyStorageBase,
          from.highPrivacyArchiveDir,
          from.highPrivacyVolumeDir,
          dockerHostVolumeDir,
          dockerUser,
          dockerRegistry,
          from.dockerProxy,
          from.pullImages,
          from.imagePullTimeout,
          databaseAccessNetwork,
          usingDummyDataBackend,
          databaseUrls,
          tempDatabaseName,
          from.emisOrganisationHash,
          from.prestoTlsCert,
          from.prestoTlsKey,
          from.githubProxyDomain,
          from.privateRepoAccessToken,
          from.pidsLimit,
          from.allowLocalGitRepos,
          outputLimits,
          from.agentId);
    }
  }

  public Path highPrivacyWorkspacesDir() {
    return highPrivacyStorageBase.resolve("workspaces");
  }

  public Path mediumPrivacyWorkspacesDir() {
    return mediumPrivacyStorageBase.resolve("workspaces");
  }

  public Path jobLogDir() {
    return highPrivacyStorageBase.resolve("logs");
  }

  public Path reposDir() {
    return workdir.resolve("repos");
  }

  public Path tempDir() {
    return workdir.resolve("temp");
  }

  /** The agent's effective {@code uid:gid} (owner of {@code /proc/self}). */
  public static String agentUser() {
    try {
      Path self = Path.of("/proc/self");
      return Files.getAttribute(self, "unix:uid") + ":" + Files.getAttribute(self, "unix:gid");
    } catch (Exception e) {
      return "65534:65534";
    }
  }
}

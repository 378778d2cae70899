package org.rap.agent.executor;

import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.BadRequestException;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.agent.metrics.JobMetricsSource;
import org.rap.agent.outputs.AtomicFiles;
import org.rap.agent.outputs.EnvRedactor;
import org.rap.agent.outputs.OutputGlob;
import org.rap.agent.outputs.OutputNames;
import org.rap.agent.outputs.PathEscapeException;
import org.rap.agent.outputs.RawPaths;
import org.rap.agent.outputs.ResultsRedactor;
import org.rap.agent.outputs.SafePaths;
import org.rap.agent.outputs.SecretRedactor;
import org.rap.common.config.AgentConfig;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.Privacy;
import org.rap.common.pipeline.ProjectParser;
import org.rap.common.telemetry.CallTimer;
import org.rap.common.telemetry.Telemetry;

/**
 * The local Docker executor (docs/spec/agent-executor.md sections 2-9). Keeps no state: every call
 * derives the job's state from its container {@code os-job-<id>}, its {@code metadata.json} and its
 * volume directory, so an agent restarted at any moment resumes where it was. The container is
 * created under its fixed name (a name conflict means it exists already), so a job never gets a
 * second container; the metadata file is written atomically and last, before any cleanup.
 *
 * <p>All Docker and file work runs on a dedicated worker pool; every method returns a Future.
 */
public final class DockerExecutor implements Executor, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DockerExecutor.class.getName());
  public static final String TIMESTAMP_FILE = JobVolumes.TIMESTAMP_FILE;
  public static final List<String> ARCHIVE_FORMATS = List.of(".tar.gz", ".tar.zstd", ".tar.xz");
  private static final Duration LOG_TIMEOUT = Duration.ofMinutes(5);

  private final Vertx vertx;
  private final WorkerExecutor worker;
  private final Semaphore watches = new Semaphore(DockerApi.MAX_WATCHES);
  private final Supplier<DockerApi> dockerSupplier;
  private final boolean ownsDocker;
  private volatile DockerApi docker;
  private final ExecutorSettings settings;
  private final CodeCheckout checkout;
  private final JobMetricsSource metrics;
  private final ProjectActions projectActions;
  private final JobMetadataStore store;
  private final ImageResolver images;
  private final AtomicInteger hostCpus = new AtomicInteger();
  private final JobFinalizer finalizer;
  private volatile FinalizeRetry finalizeRetry;

  public DockerExecutor(
      Vertx vertx,
      DockerApi docker,
      ExecutorSettings settings,
      CodeCheckout checkout,
      JobMetricsSource metrics,
      ProjectActions projectActions) {
    this(vertx, () -> docker, false, settings, checkout, metrics, projectActions);
  }

  private DockerExecutor(
      Vertx vertx,
      Supplier<DockerApi> docker,
      boolean ownsDocker,
      ExecutorSettings settings,
      CodeCheckout checkout,
      JobMetricsSource metrics,
      ProjectActions projectActions) {
    this.vertx = vertx;
    this.worker = vertx.createSharedWorkerExecutor("rap-docker-executor", 4, 2, TimeUnit.HOURS);
    this.dockerSupplier = docker;
    this.ownsDocker = ownsDocker;
    this.settings = settings;
    this.checkout = checkout;
    this.metrics = metrics;
    this.projectActions = projectActions;
    this.store = new JobMetadataStore(settings.jobLogDir());
    this.images = new ImageResolver(this::docker, settings);
    this.finalizer = new JobFinalizer(store, metrics, projectActions, settings.outputLimits());
    this.finalizeRetry = new FinalizeRetry(vertx, FinalizeRetry.Policy.DEFAULT);
  }

  /** Another bound for retrying transient finalize errors (tests). */
  DockerExecutor withFinalizeRetry(FinalizeRetry.Policy policy) {
    this.finalizeRetry = new FinalizeRetry(vertx, policy);
    return this;
  }

  /**
   * The agent's executor: settings from the agent configuration, git checkouts (shared git layer),
   * job metrics from {@code metrics}, and its own connection to the local Docker engine ({@code
   * DOCKER_HOST} or the socket), opened lazily on a worker thread and closed by {@link #close()}.
   */
  public static DockerExecutor create(Vertx vertx, AgentConfig config, JobMetricsSource metrics) {
    return create(vertx, config, metrics, Telemetry.none());
  }

  /** As above, timing Docker and git calls into {@code telemetry}. */
  public static DockerExecutor create(
      Vertx vertx, AgentConfig config, JobMetricsSource metrics, Telemetry telemetry) {
    RawPaths.localeWarning().ifPresent(LOG::warning);
    ExecutorSettings settings = ExecutorSettings.from(config);
    GitCodeCheckout git =
        GitCodeCheckout.from(settings, ProjectParser.INSTANCE, telemetry.calls("git"));
    CallTimer dockerTimer = telemetry.calls("docker");
    return new DockerExecutor(
        vertx, () -> DockerApi.connect(dockerTimer), true, settings, git, metrics, git);
  }

  /** The Docker connection, opened on first use (always on a worker thread). */
  DockerApi docker() {
    DockerApi d = docker;
    if (d == null) {
      synchronized (this) {
        d = docker;
        if (d == null) {
          d = dockerSupplier.get();
          docker = d;
        }
      }
    }
    return d;
  }

  /** An executor with git checkouts into {@code WORKDIR/repos} (the shared git layer). */
  public static DockerExecutor create(
      Vertx vertx, DockerApi docker, ExecutorSettings settings, JobMetricsSource metrics) {
    GitCodeCheckout git = GitCodeCheckout.from(settings, ProjectParser.INSTANCE);
    return new DockerExecutor(vertx, docker, settings, git, metrics, git);
  }

  public JobMetadataStore metadataStore() {
    return store;
  }

  private <T> Future<T> blocking(Callable<T> work) {
    return worker.executeBlocking(work, false);
  }

  /** {@link #blocking}, logging at FINE how long the operation waited for a worker and ran. */
  private <T> Future<T> timed(String op, JobDefinition job, Callable<T> work) {
    if (!LOG.isLoggable(Level.FINE)) {
      return blocking(work);
    }
    long queued = System.nanoTime();
    long[] started = new long[1];
    return blocking(
            () -> {
              started[0] = System.nanoTime();
              return work.call();
            })
        .andThen(
            ar ->
                LOG.fine(
                    op
                        + " of job "
                        + job.id()
                        + ": "
                        + (System.nanoTime() - started[0]) / 1_000_000
                        + " ms (queued "
                        + (started[0] - queued) / 1_000_000
                        + " ms)"
                        + (ar.failed() ? " failed" : "")));
  }

  // ---------------------------------------------------------------- status

  @Override
  public Future<JobStatus> status(JobDefinition job, boolean cancelled) {
    return timed("status", job, () -> statusNow(job, cancelled));
  }

  JobStatus statusNow(JobDefinition job, boolean cancelled) throws IOException {
    String name = JobMetadataStore.containerName(job.id());
    var container = docker().inspectContainer(name);
    JsonObject meta = store.readForTask(job);
    if (!meta.isEmpty()) {
      JsonObject results = ResultsRedactor.redact(meta);
      ExecutorState state =
          isError(meta.getValue("error")) ? ExecutorState.ERROR : ExecutorState.FINALIZED;
      return new JobStatus(
          state, results.getString("status_message"), meta.getLong("timestamp_ns"), results);
    }
    Path volume = volumeDir(job);
    if (container.isEmpty()) {
      if (cancelled) {
        return JobStatus.of(
            Files.isDirectory(volume) ? ExecutorState.PREPARED : ExecutorState.UNKNOWN, null);
      }
      Long ts = JobVolumes.readTimestamp(volume);
      return ts == null
          ? JobStatus.of(ExecutorState.UNKNOWN, null)
          : JobStatus.of(ExecutorState.PREPARED, ts);
    }
    JsonObject state = container.get().getJsonObject("State", new JsonObject());
    if (state.getBoolean("Running", false)) {
      return JobStatus.of(ExecutorState.EXECUTING, parseDockerTime(state.getString("StartedAt")));
    }
    if ("created".equals(state.getString("Status"))) {
      // created but never started (the agent stopped between create and start)
      return JobStatus.of(ExecutorState.PREPARED, JobVolumes.readTimestamp(volume));
    }
    return JobStatus.of(ExecutorState.EXECUTED, parseDockerTime(state.getString("FinishedAt")));
  }

  private static boolean isError(Object error) {
    if (error == null || Boolean.FALSE.equals(error)) {
      return false;
    }
    if (error instanceof JsonObject o) {
      return !o.isEmpty();
    }
    if (error instanceof String s) {
      return !s.isEmpty();
    }
    return true;
  }

  static Long parseDockerTime(String text) {
    if (text == null || text.isEmpty() || text.startsWith("0001-01-01")) {
      return null;
    }
    Instant i = Instant.parse(text);
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  // ---------------------------------------------------------------- await exit

  /**
   * Docker's wait API, asynchronous (no polling; no event loop or worker thread is blocked while
   * the container runs, only docker-java's stream thread for that wait): the future completes on
   * the caller's context once {@code os-job-<id>} is not running. At most {@link
   * DockerApi#MAX_WATCHES} at once; beyond that, and when Docker cannot be asked, it fails and the
   * caller falls back to polling.
   */
  @Override
  public Future<Void> awaitExit(JobDefinition job) {
    Context context = vertx.getOrCreateContext();
    if (!watches.tryAcquire()) {
      return Future.failedFuture(new ExecutorRetry("too many containers watched at once"));
    }
    String name = JobMetadataStore.containerName(job.id());
    Promise<Void> exited = Promise.promise();
    Consumer<Throwable> done =
        error -> {
          watches.release();
          context.runOnContext(
              v -> {
                if (error == null) {
                  exited.tryComplete();
                } else {
                  exited.tryFail(error);
                }
              });
        };
    // opening the connection may block on first use: a worker thread starts the wait
    blocking(() -> docker().watchExit(name, done))
        .onFailure(
            e -> {
              watches.release();
              exited.tryFail(e);
            });
    return exited.future();
  }

  // ---------------------------------------------------------------- prepare

  @Override
  public Future<JobStatus> prepare(JobDefinition job) {
    return timed("prepare", job, () -> prepareNow(job));
  }

  JobStatus prepareNow(JobDefinition job) throws IOException {
    checkActionName(job.action());
    Path highWorkspace = workspaceDir(Privacy.HIGH, job.workspace());
    if (!Files.exists(highWorkspace) && isArchived(job.workspace())) {
      LOG.info("Workspace " + job.workspace() + " has been archived.");
      throw new JobFailure(
          "Workspace "
              + job.workspace()
              + " has been archived. Contact the OpenSAFELY tech team to resolve");
    }
    images.resolve(job);
    JobStatus current = statusNow(job, false);
    if (current.state() != ExecutorState.UNKNOWN) {
      return current;
    }
    for (String pattern : job.outputSpec().keySet()) {
      try {
        OutputGlob.compile(pattern);
      } catch (PathEscapeException e) {
        throw new JobFailure("Output pattern '" + pattern + "' is not allowed: " + e.getMessage());
      }
    }
    Path volume = volumeDir(job);
    Files.createDirectories(volume);

    Set<String> inputs = new LinkedHashSet<>();
    for (String inputJob : job.inputJobIds()) {
      JsonObject outputs = store.read(inputJob).getJsonObject("outputs", new JsonObject());
      inputs.addAll(outputs.fieldNames());
    }
    for (String input : inputs) {
      try {
        SafePaths.checkRelative(input);
      } catch (PathEscapeException e) {
        throw new JobFailure("Input file '" + input + "' is not allowed: " + e.getMessage());
      }
    }

    try {
      checkout.checkout(job.repoUrl(), job.commit(), volume);
    } catch (Exception e) {
      String url = job.repoUrl();
      LOG.log(
          Level.WARNING,
          "Checkout of " + url + "@" + job.commit() + " failed: " + redactToken(String.valueOf(e)));
      throw new JobFailure("Could not checkout commit " + job.commit() + " from " + url);
    }

    for (String input : inputs) {
      Path parent = SafePaths.resolve(volume, input).getParent();
      Files.createDirectories(parent);
    }
    for (String input : inputs) {
      Path src;
      try {
        src = SafePaths.resolve(highWorkspace, input);
      } catch (PathEscapeException e) {
        throw new JobFailure("Input file '" + input + "' is not allowed: " + e.getMessage());
      }
      if (!Files.isRegularFile(src)) {
        throw new JobFailure(
            "The file "
                + input
                + " doesn't exist in workspace "
                + job.workspace()
                + " as requested for job "
                + job.id());
      }
      LOG.fine("Copying input file: " + input);
      Path dest = SafePaths.resolve(volume, input);
      AtomicFiles.deleteLeftovers(
          dest); // a prepare killed mid-copy must leave no file a pattern could match
      AtomicFiles.copy(src.toRealPath(), dest);
    }
    if (!sameUser()) {
      JobVolumes.openUpForContainerUser(volume);
    }
    AtomicFiles.deleteLeftovers(volume.resolve(TIMESTAMP_FILE));
    AtomicFiles.writeString(volume.resolve(TIMESTAMP_FILE), String.valueOf(nowNs()));
    return statusNow(job, false);
  }

  private boolean isArchived(String workspace) {
    for (String ext : ARCHIVE_FORMATS) {
      if (Files.exists(settings.highPrivacyArchiveDir().resolve(workspace + ext))) {
        return true;
      }
    }
    return false;
  }

  private boolean sameUser() {
    String agent = ExecutorSettings.agentUser();
    return agent.split(":")[0].equals(settings.dockerUser().split(":")[0]);
  }

  // ---------------------------------------------------------------- execute

  @Override
  public Future<JobStatus> execute(JobDefinition job) {
    return timed("execute", job, () -> executeNow(job));
  }

  JobStatus executeNow(JobDefinition job) throws IOException {
    JobStatus current = statusNow(job, false);
    if (current.state() != ExecutorState.PREPARED) {
      return current;
    }
    Map<String, String> env = new LinkedHashMap<>(job.env());
    if (HardenedContainer.isRealDbJob(job, settings)) {
      env.putAll(databaseSecrets(job));
    }
    long t0 = System.nanoTime();
    ImageResolver.ResolvedImage image = images.resolve(job);
    long t1 = System.nanoTime();
    Path source =
        settings.dockerHostVolumeDir().map(d -> d.resolve(job.id())).orElse(volumeDir(job));
    String name = JobMetadataStore.containerName(job.id());
    try {
      HardenedContainer.create(
              docker().client(), job, image.ref(), env, source, settings, hostCpus())
          .exec();
    } catch (ConflictException e) {
      LOG.info("Container " + name + " already exists; not creating another");
    } catch (NotFoundException e) {
      throwIfNetworkMissing(e);
      throw new JobFailure("Docker image " + job.image() + " is not currently available", e);
    } catch (BadRequestException e) {
      throw new JobFailure("Docker refused the job container: " + e.getMessage(), e);
    }
    long t2 = System.nanoTime();
    try {
      docker().client().startContainerCmd(name).exec();
    } catch (NotModifiedException e) {
      // already started
    } catch (NotFoundException e) {
      throwIfNetworkMissing(e);
      throw new ExecutorRetry("Container " + name + " vanished before it started", e);
    } catch (DockerException e) {
      throw new JobFailure("The job container failed to start: " + e.getMessage(), e);
    }
    long t3 = System.nanoTime();
    JobStatus started = statusNow(job, false);
    if (LOG.isLoggable(Level.FINE)) {
      LOG.fine(
          "execute of job "
              + job.id()
              + ": image "
              + (t1 - t0) / 1_000_000
              + " ms, create "
              + (t2 - t1) / 1_000_000
              + " ms, start "
              + (t3 - t2) / 1_000_000
              + " ms, status "
              + (System.nanoTime() - t3) / 1_000_000
              + " ms");
    }
    return started;
  }

  /** A missing database network is an operator set-up problem: retry once it exists. */
  private void throwIfNetworkMissing(NotFoundException e) {
    String text = String.valueOf(e.getMessage());
    if (text.contains("network")) {
      throw new ExecutorRetry(
          "Docker network '"
              + settings.databaseAccessNetwork()
              + "' (DATABASE_ACCESS_NETWORK) is not available: "
              + text.strip(),
          e);
    }
  }

  /** DB secrets, added in memory for DB jobs on a real backend (section 5.1). */
  Map<String, String> databaseSecrets(JobDefinition job) {
    Map<String, String> secrets = new LinkedHashMap<>();
    String db =
        job.databaseName() == null || job.databaseName().isEmpty() ? "default" : job.databaseName();
    String url = settings.databaseUrls().get(db.toLowerCase(Locale.ROOT));
    if (url == null) {
      throw new JobFailure(
          "Database name '"
              + db
              + "' is not currently defined for backend '"
              + settings.backend()
              + "'");
    }
    secrets.put("DATABASE_URL", url);
    settings.tempDatabaseName().ifPresent(v -> secrets.put("TEMP_DATABASE_NAME", v));
    if (settings.prestoTlsCert().isPresent() && settings.prestoTlsKey().isPresent()) {
      secrets.put("PRESTO_TLS_CERT", settings.prestoTlsCert().get());
      secrets.put("PRESTO_TLS_KEY", settings.prestoTlsKey().get());
    }
    settings.emisOrganisationHash().ifPresent(v -> secrets.put("EMIS_ORGANISATION_HASH", v));
    return secrets;
  }

  private int hostCpus() {
    int n = hostCpus.get();
    if (n == 0) {
      try {
        // raw JSON: docker-java's Info model costs a cold process a tenth of a second to map
        Integer cpus = docker().info().getInteger("NCPU");
        n = cpus == null ? -1 : cpus;
      } catch (RuntimeException e) {
        n = -1;
      }
      hostCpus.set(n);
    }
    return n;
  }

  // ---------------------------------------------------------------- finalize

  /**
   * Finalizes within {@link FinalizeRetry}: permanent errors fail at once, transient ones are tried
   * again with backoff a bounded number of times.
   */
  @Override
  public Future<JobStatus> finalizeJob(JobDefinition job, boolean cancelled, JsonObject error) {
    return finalizeRetry.run(
        "finalize of job " + job.id(),
        () -> timed("finalize", job, () -> finalizeNow(job, cancelled, error)));
  }

  JobStatus finalizeNow(JobDefinition job, boolean cancelled, JsonObject error) throws IOException {
    JobStatus current = statusNow(job, cancelled);
    if (current.state() == ExecutorState.FINALIZED || current.state() == ExecutorState.ERROR) {
      return current;
    }
    if (!(cancelled || error != null) && current.state() == ExecutorState.UNKNOWN) {
      return current;
    }
    long t0 = System.nanoTime();
    String name = JobMetadataStore.containerName(job.id());
    JsonObject inspect = docker().inspectContainer(name).orElse(null);
    JobFinalizer.Container container =
        inspect == null
            ? null
            : new JobFinalizer.Container(
                inspect, out -> docker().streamLogs(name, JobFinalizer.LOG_TAIL, LOG_TIMEOUT, out));
    finalizer.finalizeJob(
        job,
        container,
        volumeDir(job),
        workspaceDir(Privacy.HIGH, job.workspace()),
        workspaceDir(Privacy.MEDIUM, job.workspace()),
        secretsOf(job),
        cancelled,
        error);
    long t1 = System.nanoTime();
    JobStatus done = statusNow(job, cancelled);
    if (LOG.isLoggable(Level.FINE)) {
      LOG.fine(
          "finalize of job "
              + job.id()
              + ": outputs, logs, manifest and metadata "
              + (t1 - t0) / 1_000_000
              + " ms, status "
              + (System.nanoTime() - t1) / 1_000_000
              + " ms");
    }
    return done;
  }

  /** The values of the secret settings this job's container gets (none for most jobs). */
  SecretRedactor secretsOf(JobDefinition job) {
    if (!HardenedContainer.isRealDbJob(job, settings)) {
      return SecretRedactor.none();
    }
    try {
      Map<String, String> secrets = new LinkedHashMap<>(databaseSecrets(job));
      secrets.keySet().removeAll(EnvRedactor.SAFE_KEYS);
      return SecretRedactor.of(secrets.values());
    } catch (JobFailure unknownDatabase) {
      return SecretRedactor.none(); // the container never got any
    }
  }

  // ---------------------------------------------------------------- terminate, cleanup, delete

  @Override
  public Future<JobStatus> terminate(JobDefinition job) {
    return timed("terminate", job, () -> terminateNow(job));
  }

  JobStatus terminateNow(JobDefinition job) throws IOException {
    JobStatus current = statusNow(job, false);
    switch (current.state()) {
      case UNKNOWN, EXECUTED, FINALIZED, FINALIZING:
        return current;
      default:
        break;
    }
    String name = JobMetadataStore.containerName(job.id());
    var container = docker().inspectContainer(name);
    if (container.isPresent()
        && "created"
            .equals(container.get().getJsonObject("State", new JsonObject()).getString("Status"))) {
      removeContainer(name); // never started: nothing ran, nothing to keep
      return statusNow(job, false);
    }
    try {
      docker().client().killContainerCmd(name).withSignal("SIGKILL").exec();
      docker()
          .client()
          .waitContainerCmd(name)
          .exec(new WaitContainerResultCallback())
          .awaitStatusCode(30, TimeUnit.SECONDS);
    } catch (NotFoundException | ConflictException e) {
      // no such container, or not running
    } catch (DockerException e) {
      LOG.log(Level.WARNING, "Waiting for killed container " + name + " failed", e);
    }
    return statusNow(job, false);
  }

  @Override
  public Future<Void> cleanup(JobDefinition job) {
    return timed(
        "cleanup",
        job,
        () -> {
          LOG.info("Cleaning up container and volume of job " + job.id());
          removeContainer(JobMetadataStore.containerName(job.id()));
          JobVolumes.delete(volumeDir(job));
          return null;
        });
  }

  private void removeContainer(String name) {
    try {
      docker().client().removeContainerCmd(name).withForce(true).exec();
    } catch (NotFoundException e) {
      // already gone
    }
  }

  @Override
  public Future<List<String>> deleteFiles(String workspace, Privacy privacy, List<String> files) {
    return blocking(
        () -> {
          Path root = workspaceDir(privacy, workspace);
          List<String> errors = new ArrayList<>();
          for (String name : files) {
            try {
              Files.deleteIfExists(SafePaths.resolve(root, name));
            } catch (IOException | PathEscapeException e) {
              LOG.log(Level.WARNING, "Could not delete " + name + " from " + root, e);
              errors.add(name);
            }
          }
          return errors;
        });
  }

  // ---------------------------------------------------------------- paths

  /** {@code HIGH_PRIVACY_VOLUME_DIR/<job id>}. */
  public Path volumeDir(JobDefinition job) {
    if (job.id() == null || !job.id().matches("[A-Za-z0-9_-]+")) {
      throw new JobFailure("Invalid job id '" + job.id() + "'");
    }
    return settings.highPrivacyVolumeDir().resolve(job.id());
  }

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

  /** The action's log is {@code metadata/<action>.log}: its name must fit in a directory entry. */
  static void checkActionName(String action) {
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

  private String redactToken(String text) {
    return settings.privateRepoAccessToken().map(t -> text.replace(t, "********")).orElse(text);
  }

  static long nowNs() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  @Override
  public void close() {
    worker.close();
    DockerApi d = docker;
    if (ownsDocker && d != null) {
      try {
        d.close();
      } catch (IOException e) {
        LOG.log(Level.WARNING, "Closing the Docker connection failed", e);
      }
    }
  }
}

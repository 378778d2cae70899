package org.rap.agent.executor.docker;

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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.agent.executor.DbTaskException;
import org.rap.agent.executor.Executor;
import org.rap.agent.executor.ExecutorRetry;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.JobFailure;
import org.rap.agent.executor.JobLayout;
import org.rap.agent.executor.JobMetadataStore;
import org.rap.agent.executor.JobRun;
import org.rap.agent.executor.RunLabels;
import org.rap.agent.metrics.ContainerSample;
import org.rap.agent.metrics.RunningJob;
import org.rap.common.model.JobDefinition;
import org.rap.common.telemetry.CallTimer;

/**
 * The Docker executor ({@code EXECUTOR=docker}) on docker-java: a job's run is its container {@code
 * os-job-<id>}, created under that fixed name (a name conflict means it exists already, so a job
 * never gets a second container) in the hardened form of docs/spec/agent-executor.md section 5.2,
 * with the job's volume directory (or its {@code DOCKER_HOST_VOLUME_DIR} counterpart when the agent
 * itself runs in a container) bind-mounted at {@code /workspace}. Also the images (local or pulled
 * by digest), the wait API, logs, kill, removal, database tasks, stats and the engine's ping.
 * Everything else is the shared lifecycle's.
 */
public final class DockerExecutor implements Executor {
  private static final Logger LOG = Logger.getLogger(DockerExecutor.class.getName());
  private static final Duration LOG_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration DB_TASK_TIMEOUT = Duration.ofMinutes(15);
  private static final Duration STATS_TIMEOUT = Duration.ofSeconds(10);

  /** The last lines of a container's output that its job log may keep. */
  static final int LOG_TAIL = 100_000;

  private final Vertx vertx;
  private final Semaphore watches = new Semaphore(DockerApi.MAX_WATCHES);
  private final Supplier<DockerApi> dockerSupplier;
  private final boolean ownsDocker;
  private volatile DockerApi docker;
  private volatile boolean closed;
  private final ExecutorSettings settings;
  private final JobLayout layout;
  private final ImageResolver images;
  private final DockerDbTaskRunner dbTasks;

  /** The Docker host's CPU count once a create was refused for asking more (0: not known). */
  private final AtomicInteger hostCpus = new AtomicInteger();

  /** Per job, the exit of the run it started, watched from the start ({@link #awaitExit}). */
  private final Map<String, Future<Void>> exits = new ConcurrentHashMap<>();

  /**
   * Per job, the image its preparation resolved, for its start a moment later (one image inspect
   * per job, not two). Bounded: jobs prepared and never started (cancelled) age out; a start that
   * finds none resolves again.
   */
  private final Map<String, ImageResolver.ResolvedImage> prepared =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ImageResolver.ResolvedImage> e) {
          return size() > 256;
        }
      };

  /** On {@code docker}, which the caller closes. */
  public DockerExecutor(Vertx vertx, DockerApi docker, ExecutorSettings settings) {
    this(vertx, () -> docker, false, settings);
  }

  private DockerExecutor(
      Vertx vertx, Supplier<DockerApi> docker, boolean ownsDocker, ExecutorSettings settings) {
    this.vertx = vertx;
    this.dockerSupplier = docker;
    this.ownsDocker = ownsDocker;
    this.settings = settings;
    this.layout = new JobLayout(settings);
    this.images = new ImageResolver(this::docker, settings);
    this.dbTasks = new DockerDbTaskRunner(this::docker, images, settings, DB_TASK_TIMEOUT);
  }

  /**
   * With its own connection to the local Docker engine ({@code DOCKER_HOST} or the socket), opened
   * on first use (always on a worker thread) and closed by {@link #close()}, every Engine API call
   * timed with {@code timer}.
   */
  public static DockerExecutor connecting(Vertx vertx, ExecutorSettings settings, CallTimer timer) {
    return new DockerExecutor(vertx, () -> DockerApi.connect(timer), true, settings);
  }

  /** The Docker connection, opened on first use (always on a worker thread). */
  DockerApi docker() {
    DockerApi d = docker;
    if (d == null) {
      if (closed) {
        throw new ExecutorRetry("the executor's Docker connection is closed");
      }
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

  @Override
  public void pullImage(JobDefinition job) {
    ImageResolver.ResolvedImage image = images.resolve(job);
    synchronized (prepared) {
      prepared.put(job.id(), image);
    }
  }

  /** The image {@link #pullImage} found for the job, else found now. */
  private ImageResolver.ResolvedImage imageFor(JobDefinition job) {
    ImageResolver.ResolvedImage image;
    synchronized (prepared) {
      image = prepared.remove(job.id());
    }
    return image != null ? image : images.resolve(job);
  }

  @Override
  public Optional<JobRun> inspect(JobDefinition job) {
    return docker().inspectContainer(JobMetadataStore.containerName(job.id())).map(DockerRuns::of);
  }

  @Override
  public List<RunLabels.OwnedRun> runsOf(String agentId) {
    List<RunLabels.OwnedRun> out = new ArrayList<>();
    for (Object o : docker().containers(Map.of(RunLabels.AGENT, agentId))) {
      if (!(o instanceof JsonObject c)) {
        continue;
      }
      JsonObject labels = c.getJsonObject("Labels", new JsonObject());
      JsonArray names = c.getJsonArray("Names", new JsonArray());
      String prefix = "/" + JobMetadataStore.containerName("");
      for (Object n : names) {
        if (n instanceof String name && name.startsWith(prefix)) {
          out.add(
              new RunLabels.OwnedRun(
                  name.substring(prefix.length()), labels.getString(RunLabels.TASK, "")));
        }
      }
    }
    return out;
  }

  @Override
  public void start(JobDefinition job, Map<String, String> secrets) {
    Map<String, String> env = new LinkedHashMap<>(job.env());
    env.putAll(secrets);
    long t0 = System.nanoTime();
    ImageResolver.ResolvedImage image = imageFor(job);
    long t1 = System.nanoTime();
    Path source =
        settings.dockerHostVolumeDir().map(d -> d.resolve(job.id())).orElse(layout.volumeDir(job));
    String name = JobMetadataStore.containerName(job.id());
    try {
      create(job, image, env, source);
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
      docker().startContainer(name);
    } catch (NotModifiedException e) {
      // already started
    } catch (NotFoundException e) {
      throwIfNetworkMissing(e);
      throw new ExecutorRetry("Container " + name + " vanished before it started", e);
    } catch (DockerException e) {
      throw new JobFailure("The job container failed to start: " + e.getMessage(), e);
    }
    watchFromStart(job.id(), name);
    if (LOG.isLoggable(Level.FINE)) {
      LOG.fine(
          "start of job "
              + job.id()
              + ": image "
              + (t1 - t0) / 1_000_000
              + " ms, create "
              + (t2 - t1) / 1_000_000
              + " ms, start "
              + (System.nanoTime() - t2) / 1_000_000
              + " ms");
    }
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

  /**
   * Creates the job's container. A job may ask for more CPUs than the Docker host has, which the
   * engine refuses ("Range of CPUs is from 0.01 to N"): its CPU count is then capped to the host's
   * and the create tried again. The host's count is asked for only then (and remembered), not
   * before every first create: {@code /info} costs the engine tens of milliseconds, a delay every
   * local run's first job would otherwise pay.
   */
  private void create(
      JobDefinition job, ImageResolver.ResolvedImage image, Map<String, String> env, Path source) {
    try {
      HardenedContainer.forJob(job, image.ref(), env, source, settings, hostCpus.get())
          .exec(docker());
    } catch (BadRequestException e) {
      if (hostCpus.get() != 0
          || !String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("range of cpus")) {
        throw e;
      }
      hostCpus.set(askHostCpus());
      HardenedContainer.forJob(job, image.ref(), env, source, settings, hostCpus.get())
          .exec(docker());
    }
  }

  /** The Docker host's CPU count, or -1 when it cannot be told. */
  private int askHostCpus() {
    try {
      // raw JSON: docker-java's Info model costs a cold process a tenth of a second to map
      Integer cpus = docker().info().getInteger("NCPU");
      return cpus == null ? -1 : cpus;
    } catch (RuntimeException e) {
      return -1;
    }
  }

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
    Future<Void> fromStart = exits.remove(job.id());
    if (fromStart != null) {
      return onContext(context, fromStart);
    }
    if (!watches.tryAcquire()) {
      return Future.failedFuture(new ExecutorRetry("too many containers watched at once"));
    }
    String name = JobMetadataStore.containerName(job.id());
    Promise<Void> exited = Promise.promise();
    // opening the connection may block on first use: a worker thread starts the wait
    vertx
        .executeBlocking(() -> docker().watchExit(name, endOf(exited)), false)
        .onFailure(
            e -> {
              watches.release();
              exited.tryFail(e);
            });
    return onContext(context, exited.future());
  }

  /**
   * Starts the wait on a container just started, so that {@link #awaitExit} a moment later finds
   * its exit already watched (or seen) instead of asking Docker again. Without a free watch it is
   * left to {@link #awaitExit}.
   */
  private void watchFromStart(String jobId, String name) {
    if (!watches.tryAcquire()) {
      return;
    }
    Promise<Void> exited = Promise.promise();
    try {
      docker().watchExit(name, endOf(exited));
      exits.put(jobId, exited.future());
    } catch (RuntimeException e) {
      watches.release();
      LOG.log(Level.FINE, "Could not watch container " + name + " from its start", e);
    }
  }

  /** The end of a watch: frees its place and completes {@code exited} (failed on an error). */
  private Consumer<Throwable> endOf(Promise<Void> exited) {
    return error -> {
      watches.release();
      if (error == null) {
        exited.tryComplete();
      } else {
        exited.tryFail(error);
      }
    };
  }

  /** {@code f}'s outcome, delivered on {@code context}. */
  private static Future<Void> onContext(Context context, Future<Void> f) {
    Promise<Void> delivered = Promise.promise();
    f.onComplete(ar -> context.runOnContext(v -> delivered.handle(ar)));
    return delivered.future();
  }

  @Override
  public void streamLogs(JobDefinition job, OutputStream sink) throws IOException {
    docker().streamLogs(JobMetadataStore.containerName(job.id()), LOG_TAIL, LOG_TIMEOUT, sink);
  }

  @Override
  public void kill(JobDefinition job) {
    String name = JobMetadataStore.containerName(job.id());
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
  }

  @Override
  public void remove(JobDefinition job) {
    exits.remove(job.id());
    removeContainer(JobMetadataStore.containerName(job.id()));
  }

  /** By the container's id: on a shared engine, the name may be another attempt's by now. */
  @Override
  public void removeRun(JobDefinition job, JobRun run) {
    exits.remove(job.id());
    removeContainer(run.id());
  }

  private void removeContainer(String nameOrId) {
    try {
      docker().removeContainer(nameOrId);
    } catch (NotFoundException e) {
      // already gone
    } catch (ConflictException e) {
      if (!String.valueOf(e.getMessage()).contains("already in progress")) {
        throw e;
      }
      // another agent is removing it (an earlier attempt's run on a shared engine)
    }
  }

  @Override
  public String runDbTask(
      String image, String imageSha, List<String> args, Map<String, String> env, String network) {
    try {
      return dbTasks.run(image, imageSha, args, env, network);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DbTaskException("InterruptedError", "interrupted waiting for the task", e);
    }
  }

  @Override
  public Optional<ContainerSample> sample(RunningJob job) {
    try {
      return DockerStats.sample(docker().client(), job, STATS_TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  @Override
  public void ping() {
    docker().client().pingCmd().exec();
  }

  /** Closes its own connection (once); a shared one is its owner's. */
  @Override
  public synchronized void close() {
    DockerApi d = docker;
    docker = null;
    closed = true;
    if (ownsDocker && d != null) {
      try {
        d.close();
      } catch (IOException e) {
        LOG.log(Level.WARNING, "Closing the Docker connection failed", e);
      }
    }
  }
}

package org.rap.agent.executor.kubernetes;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Logger;
import org.rap.agent.executor.DatabaseAccess;
import org.rap.agent.executor.Executor;
import org.rap.agent.executor.ExecutorRetry;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.JobFailure;
import org.rap.agent.executor.JobLayout;
import org.rap.agent.executor.JobRun;
import org.rap.agent.metrics.ContainerSample;
import org.rap.agent.metrics.RunningJob;
import org.rap.common.config.ConfigException;
import org.rap.common.config.KubernetesConfig;
import org.rap.common.model.JobDefinition;

/**
 * The Kubernetes executor ({@code EXECUTOR=kubernetes}, docs/spec/agent-executor.md section 14):
 * one Kubernetes Job per attempt of a job ({@link KubernetesJobSpec}: backoff limit 0, labelled
 * with the job's ids, named after the job id and attempt, hardened), in {@code K8S_NAMESPACE}, with
 * the job's volume directory mounted from {@code K8S_STORAGE_CLAIM} at {@code /workspace} (its
 * sub-path is the directory relative to {@code K8S_STORAGE_MOUNT}, where the agent has the claim).
 * Creating the Job is idempotent (its fixed name: a conflict means it exists), so a job never runs
 * twice; a restarted agent finds its Jobs by name and label.
 *
 * <p>The run is the Job and its pod ({@link KubernetesRuns}); a pod that cannot start (image, node,
 * configuration) fails the job with the cluster's message ({@link KubernetesRuns#pendingFailure}).
 * Database secrets go to a Secret of the run only ({@link RunSecrets}). Logs come from the pod log
 * API, samples from the metrics API when the cluster has one; cancellation deletes the Job with
 * foreground propagation. Every method but {@link #awaitExit} blocks (worker threads only).
 */
public final class KubernetesExecutor implements Executor {
  private static final Logger LOG = Logger.getLogger(KubernetesExecutor.class.getName());

  /** The last lines of a pod's output that its job log may keep (as the Docker executor). */
  static final int LOG_TAIL = 100_000;

  private static final Duration KILL_WAIT = Duration.ofSeconds(60);

  private final Supplier<KubernetesClient> clientSupplier;
  private final boolean ownsClient;
  private volatile KubernetesClient client;
  private volatile boolean closed;
  private final ExecutorSettings settings;
  private final KubernetesConfig config;
  private final JobLayout layout;
  private final Path storageMount;
  private final RunSecrets secrets;
  private final ExitWatches exits;
  private final KubernetesDbTasks dbTasks;

  /**
   * On {@code client} in its namespace; the client is closed by {@link #close} when {@code
   * ownsClient}.
   *
   * @throws ConfigException when the job volumes are not on the storage claim's mount
   */
  public KubernetesExecutor(
      Vertx vertx,
      KubernetesClient client,
      boolean ownsClient,
      ExecutorSettings settings,
      KubernetesConfig config) {
    this(vertx, () -> client, ownsClient, settings, config);
  }

  private KubernetesExecutor(
      Vertx vertx,
      Supplier<KubernetesClient> client,
      boolean ownsClient,
      ExecutorSettings settings,
      KubernetesConfig config) {
    this.clientSupplier = client;
    this.ownsClient = ownsClient;
    this.settings = settings;
    this.config = config;
    this.layout = new JobLayout(settings);
    this.storageMount =
        config
            .storageMount()
            .orElseThrow(
                () ->
                    new ConfigException(
                        List.of("K8S_STORAGE_MOUNT is required with EXECUTOR=kubernetes")));
    Path volumes = settings.highPrivacyVolumeDir().toAbsolutePath().normalize();
    if (!volumes.startsWith(storageMount) || volumes.equals(storageMount)) {
      throw new ConfigException(
          List.of(
              "HIGH_PRIVACY_VOLUME_DIR "
                  + volumes
                  + " must be inside K8S_STORAGE_MOUNT "
                  + storageMount
                  + ": job pods mount their volume from the storage claim"));
    }
    this.secrets = new RunSecrets(this);
    this.exits = new ExitWatches(vertx, this, config);
    this.dbTasks = new KubernetesDbTasks(this, settings, config, secrets);
  }

  /**
   * With its own client of the cluster {@code config} names, made on first use (always on a worker
   * thread: it reads the kubeconfig or service account files) and closed by {@link #close}.
   */
  public static KubernetesExecutor connecting(
      Vertx vertx, ExecutorSettings settings, KubernetesConfig config) {
    return new KubernetesExecutor(
        vertx, () -> KubernetesClients.create(vertx, config), true, settings, config);
  }

  /** The API client, made on first use (worker threads only). */
  KubernetesClient client() {
    KubernetesClient c = client;
    if (c == null) {
      synchronized (this) {
        if (closed) {
          throw new ExecutorRetry("the executor's Kubernetes client is closed");
        }
        c = client;
        if (c == null) {
          c = clientSupplier.get();
          client = c;
        }
      }
    }
    return c;
  }

  /** The namespace of the job Jobs. */
  String namespace() {
    return client().getNamespace();
  }

  /** The image must have a usable reference; the cluster pulls it when the pod starts. */
  @Override
  public void pullImage(JobDefinition job) {
    KubernetesJobSpec.imageReference(job, settings);
  }

  @Override
  public Optional<JobRun> inspect(JobDefinition job) {
    Job k8sJob = findJob(job);
    if (k8sJob == null) {
      return Optional.empty();
    }
    Pod pod = podOf(k8sJob);
    Optional<String> failure =
        KubernetesRuns.pendingFailure(
            k8sJob,
            pod,
            KubernetesJobSpec.imageReference(job, settings),
            Instant.now(),
            config.pendingTimeout());
    if (failure.isPresent()) {
      // nothing ran: remove the Job so the job is finalized without a run, with this error
      LOG.warning("Job " + job.id() + " cannot start: " + failure.get());
      deleteJob(k8sJob.getMetadata().getName());
      secrets.delete(k8sJob.getMetadata().getName());
      throw new JobFailure(failure.get());
    }
    JobRun run = KubernetesRuns.of(k8sJob, pod);
    if (RunSecrets.uses(k8sJob) && started(pod)) {
      secrets.delete(k8sJob.getMetadata().getName()); // the container has its environment
    }
    return Optional.of(run);
  }

  private static boolean started(Pod pod) {
    var c = KubernetesRuns.containerStatus(pod);
    return c != null
        && c.getState() != null
        && (c.getState().getRunning() != null || c.getState().getTerminated() != null);
  }

  @Override
  public void start(JobDefinition job, Map<String, String> secretEnv) {
    String name = KubernetesJobSpec.jobName(job);
    KubernetesJobSpec spec =
        KubernetesJobSpec.forJob(job, settings, config).volumeSubPath(volumeSubPath(job));
    withSecrets(spec, name, secretEnv);
    Job created = create(spec.build(), name);
    if (!secretEnv.isEmpty()) {
      secrets.create(created, secretEnv);
    }
  }

  /**
   * {@code spec} reads {@code secretEnv} from the run's Secret (and resolves the database host).
   */
  void withSecrets(KubernetesJobSpec spec, String name, Map<String, String> secretEnv) {
    Map<String, KubernetesJobSpec.SecretKey> refs = new LinkedHashMap<>();
    secretEnv.keySet().forEach(k -> refs.put(k, RunSecrets.key(name, k)));
    spec.secretEnv(refs);
    String host = DatabaseAccess.hostEntry(secretEnv.get("DATABASE_URL"));
    if (host != null) {
      int colon = host.lastIndexOf(':');
      spec.hostAlias(host.substring(0, colon), host.substring(colon + 1));
    }
  }

  /** Creates the Job; one that exists already is kept (the job never gets a second run). */
  Job create(Job spec, String name) {
    try {
      return client().batch().v1().jobs().inNamespace(namespace()).resource(spec).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        LOG.info("Kubernetes Job " + name + " already exists; not creating another");
        Job existing = getJob(name);
        if (existing != null) {
          return existing;
        }
        throw new ExecutorRetry("Kubernetes Job " + name + " is being deleted; try again", e);
      }
      if (e.getCode() == 400 || e.getCode() == 422) {
        throw new JobFailure("Kubernetes refused the job's Job: " + apiMessage(e), e);
      }
      throw new ExecutorRetry("Could not create Kubernetes Job " + name + ": " + apiMessage(e), e);
    }
  }

  /** The job volume's directory relative to the claim's mount point on the agent. */
  String volumeSubPath(JobDefinition job) {
    Path volume = layout.volumeDir(job).toAbsolutePath().normalize();
    return storageMount.relativize(volume).toString();
  }

  @Override
  public Future<Void> awaitExit(JobDefinition job) {
    return exits.await(job);
  }

  /** Whether the job's run has not finished and may still (start and) finish by itself. */
  boolean stillRunning(JobDefinition job) {
    Job k8sJob = findJob(job);
    if (k8sJob == null) {
      return false;
    }
    Pod pod = podOf(k8sJob);
    String image;
    try {
      image = KubernetesJobSpec.imageReference(job, settings);
    } catch (JobFailure e) {
      return false;
    }
    if (KubernetesRuns.pendingFailure(k8sJob, pod, image, Instant.now(), config.pendingTimeout())
        .isPresent()) {
      return false;
    }
    return KubernetesRuns.of(k8sJob, pod).phase() == JobRun.Phase.RUNNING;
  }

  @Override
  public void streamLogs(JobDefinition job, OutputStream sink) throws IOException {
    Job k8sJob = findJob(job);
    Pod pod = k8sJob == null ? null : podOf(k8sJob);
    if (pod == null) {
      return;
    }
    copyLog(pod.getMetadata().getName(), true, sink);
  }

  /** The pod's log (its last {@link #LOG_TAIL} lines) into {@code sink}; none if it has none. */
  void copyLog(String pod, boolean timestamps, OutputStream sink) throws IOException {
    var container = client().pods().inNamespace(namespace()).withName(pod).inContainer("job");
    var loggable =
        timestamps
            ? container.usingTimestamps().tailingLines(LOG_TAIL)
            : container.tailingLines(LOG_TAIL);
    try (InputStream in = loggable.getLogInputStream()) {
      if (in != null) {
        in.transferTo(sink);
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 400 && e.getCode() != 404) {
        throw new ExecutorRetry("Could not read the log of pod " + pod + ": " + apiMessage(e), e);
      }
      // the container never started, or the pod is gone: no output
    }
  }

  /** Deletes the attempt's Job with its pod and waits (bounded) until the pod is gone. */
  @Override
  public void kill(JobDefinition job) {
    Job k8sJob = findJob(job);
    if (k8sJob == null) {
      return;
    }
    String name = k8sJob.getMetadata().getName();
    deleteJob(name);
    long deadline = System.nanoTime() + KILL_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      Pod pod = podOf(k8sJob);
      if (pod == null || KubernetesRuns.podFinished(pod)) {
        return;
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    LOG.warning("The pod of Kubernetes Job " + name + " still runs " + KILL_WAIT + " after delete");
  }

  /** Deletes every Job of the job (any attempt, found by label) and their Secrets. */
  @Override
  public void remove(JobDefinition job) {
    for (Job j :
        client()
            .batch()
            .v1()
            .jobs()
            .inNamespace(namespace())
            .withLabels(KubernetesJobSpec.selector(job.id()))
            .list()
            .getItems()) {
      deleteJob(j.getMetadata().getName());
      secrets.delete(j.getMetadata().getName());
    }
    secrets.delete(KubernetesJobSpec.jobName(job));
  }

  @Override
  public String runDbTask(
      String image, String imageSha, List<String> args, Map<String, String> env, String network) {
    return dbTasks.run(image, imageSha, args, env, network);
  }

  /** From the metrics API ({@code metrics.k8s.io}); none when the cluster does not serve it. */
  @Override
  public Optional<ContainerSample> sample(RunningJob running) {
    try {
      Job k8sJob = getJob(running.runId());
      Pod pod = k8sJob == null ? null : podOf(k8sJob);
      if (pod == null || !"Running".equals(pod.getStatus().getPhase())) {
        return Optional.empty();
      }
      PodMetrics m = client().top().pods().metrics(namespace(), pod.getMetadata().getName());
      return m.getContainers().stream()
          .filter(c -> KubernetesJobSpec.CONTAINER.equals(c.getName()))
          .findFirst()
          .map(
              c ->
                  new ContainerSample(
                      running.jobId(),
                      running.runId(),
                      running.createdAtEpochSeconds(),
                      c.getUsage().get("cpu").getNumericalAmount().doubleValue() * 100,
                      c.getUsage().get("memory").getNumericalAmount().longValue()));
    } catch (RuntimeException e) { // no metrics API, no sample yet, pod gone
      return Optional.empty();
    }
  }

  @Override
  public void ping() {
    client()
        .batch()
        .v1()
        .jobs()
        .inNamespace(namespace())
        .list(new ListOptionsBuilder().withLimit(1L).build());
  }

  @Override
  public synchronized void close() {
    closed = true;
    KubernetesClient c = client;
    client = null;
    if (ownsClient && c != null) {
      c.close();
    }
  }

  // ---------------------------------------------------------------- API helpers

  /**
   * The job's run: the Job of this attempt, else (found by the job-id label) the Job of an earlier
   * attempt that is not being deleted, as the Docker executor finds the container of any attempt by
   * the job's id: a job never runs in two Jobs at once. Null when it has none.
   */
  Job findJob(JobDefinition job) {
    String name = KubernetesJobSpec.jobName(job);
    List<Job> all =
        client()
            .batch()
            .v1()
            .jobs()
            .inNamespace(namespace())
            .withLabels(KubernetesJobSpec.selector(job.id()))
            .list()
            .getItems();
    return all.stream()
        .filter(j -> name.equals(j.getMetadata().getName()))
        .findFirst()
        .or(
            () ->
                all.stream()
                    .filter(j -> j.getMetadata().getDeletionTimestamp() == null)
                    .max(
                        (a, b) ->
                            String.valueOf(a.getMetadata().getCreationTimestamp())
                                .compareTo(String.valueOf(b.getMetadata().getCreationTimestamp()))))
        .orElse(null);
  }

  Job getJob(String name) {
    return client().batch().v1().jobs().inNamespace(namespace()).withName(name).get();
  }

  /** The Job's pod (the newest when the controller made more), or null. */
  Pod podOf(Job job) {
    String uid = job.getMetadata().getUid();
    Map<String, String> labels = job.getSpec().getTemplate().getMetadata().getLabels();
    return client()
        .pods()
        .inNamespace(namespace())
        .withLabel(KubernetesJobSpec.JOB_ID, labels.get(KubernetesJobSpec.JOB_ID))
        .list()
        .getItems()
        .stream()
        .filter(
            p ->
                p.getMetadata().getOwnerReferences().stream()
                    .anyMatch(o -> uid != null && uid.equals(o.getUid())))
        .max(
            (a, b) ->
                String.valueOf(a.getMetadata().getCreationTimestamp())
                    .compareTo(String.valueOf(b.getMetadata().getCreationTimestamp())))
        .orElse(null);
  }

  /** Deletes a Job with foreground propagation (its pods first); none is fine. */
  void deleteJob(String name) {
    try {
      client()
          .batch()
          .v1()
          .jobs()
          .inNamespace(namespace())
          .withName(name)
          .withPropagationPolicy(DeletionPropagation.FOREGROUND)
          .delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw new ExecutorRetry(
            "Could not delete Kubernetes Job " + name + ": " + apiMessage(e), e);
      }
    }
  }

  static String apiMessage(KubernetesClientException e) {
    return e.getStatus() != null && e.getStatus().getMessage() != null
        ? e.getStatus().getMessage()
        : String.valueOf(e.getMessage());
  }
}

package org.rap.testing.k8s;

import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.vertx.core.json.JsonObject;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.agent.executor.docker.DockerApi;

/**
 * A kubelet and scheduler for the mock API server, running pods with the local Docker engine. It
 * watches pods in every namespace and, for each new one:
 *
 * <ol>
 *   <li>schedules it on its one {@link FakeNode}: when the node selector, the tolerations, the
 *       resource requests or the claims cannot be satisfied, the pod stays {@code Pending} with
 *       condition {@code PodScheduled=False}, reason {@code Unschedulable} and the scheduler's
 *       message;
 *   <li>binds it ({@code spec.nodeName}) and reports the container {@code ContainerCreating};
 *   <li>looks the image up in the local engine (no registry: a digest reference is found by the id
 *       of a local image too); without it the container waits with {@code ErrImagePull}, then
 *       {@code ImagePullBackOff}, and the pod stays {@code Pending};
 *   <li>creates the container ({@link DockerPods}; configuration errors such as a missing Secret or
 *       a root user with {@code runAsNonRoot} leave it waiting with {@code
 *       CreateContainerConfigError}, tried again every second), starts it and reports {@code
 *       Running} with {@code startedAt};
 *   <li>on exit (Docker's wait API) reports {@code Succeeded} or {@code Failed} with the exit code,
 *       reason {@code Completed}, {@code Error} or {@code OOMKilled}, and the times.
 * </ol>
 *
 * A deleted pod's container is removed at once (no grace period). Containers are named {@code
 * k8s-<run id>-<namespace>-<pod>} and labelled {@value #RUN_LABEL}{@code =<run id>}; {@link #close}
 * removes every container of its run and no other. It also answers the pod log and metrics APIs
 * ({@link KubeletApis}).
 */
public final class TestKubelet implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(TestKubelet.class.getName());
  public static final String RUN_LABEL = "rap.test.kubelet";
  public static final String POD_LABEL = "rap.test.kubelet.pod";

  /** What the kubelet knows of one pod. */
  static final class PodRecord {
    final String uid;
    final String name;
    volatile String containerId;
    volatile String imageId;
    volatile String startTime;
    volatile String waiting = "ContainerCreating";
    volatile boolean running;
    volatile boolean deleted;
    volatile Closeable exitWatch;

    PodRecord(String uid, String name) {
      this.uid = uid;
      this.name = name;
    }
  }

  private final KubernetesClient client;
  private final DockerApi docker;
  private final FakeNode node;
  private final Map<String, Path> claims;
  private final String runId;
  private final Duration backOff;
  private final ScheduledExecutorService events;
  private final Map<String, PodRecord> pods = new ConcurrentHashMap<>();
  private volatile Watch watch;

  /**
   * @param claims the claims this node can mount: name → host directory
   * @param runId unique per test run: names and labels its Docker containers
   */
  public TestKubelet(
      KubernetesClient client,
      DockerApi docker,
      FakeNode node,
      Map<String, Path> claims,
      String runId) {
    this.client = client;
    this.docker = docker;
    this.node = node;
    this.claims = Map.copyOf(claims);
    this.runId = runId;
    this.backOff = Duration.ofSeconds(1);
    this.events =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "test-kubelet-" + runId);
              t.setDaemon(true);
              return t;
            });
  }

  /** Watches pods and serves the kubelet APIs of {@code mock}. */
  public TestKubelet start(MockKubernetes mock) {
    mock.serve(new KubeletApis(docker, pods));
    watch =
        client
            .pods()
            .inAnyNamespace()
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Pod pod) {
                    events.execute(() -> handle(action, pod));
                  }

                  @Override
                  public void onClose(WatcherException cause) {
                    if (cause != null) {
                      LOG.log(Level.WARNING, "test kubelet: pod watch closed", cause);
                    }
                  }
                });
    return this;
  }

  public String runId() {
    return runId;
  }

  private void handle(Watcher.Action action, Pod pod) {
    try {
      switch (action) {
        case ADDED -> admit(pod);
        case MODIFIED -> {
          if (pod.getMetadata().getDeletionTimestamp() != null) {
            remove(pod);
          }
        }
        case DELETED -> remove(pod);
        default -> {}
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "test kubelet: handling " + action + " of " + key(pod) + " failed", e);
    }
  }

  private void admit(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if (pods.containsKey(key(pod)) || "Succeeded".equals(phase) || "Failed".equals(phase)) {
      return;
    }
    PodRecord rec = new PodRecord(pod.getMetadata().getUid(), pod.getMetadata().getName());
    pods.put(key(pod), rec);
    Optional<String> unschedulable = node.unschedulable(pod).or(() -> missingClaim(pod));
    if (unschedulable.isPresent()) {
      rec.waiting = "Unschedulable";
      status(pod, PodStatuses.unschedulable(unschedulable.get()));
      return;
    }
    Pod bound =
        client
            .pods()
            .inNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName())
            .edit(
                p -> {
                  p.getSpec().setNodeName(node.name());
                  return p;
                });
    rec.startTime = PodStatuses.now();
    status(bound, PodStatuses.scheduled(bound, rec.startTime));
    String ref = bound.getSpec().getContainers().get(0).getImage();
    Optional<JsonObject> image = DockerPods.localImage(docker, ref);
    if (image.isEmpty()) {
      rec.waiting = "ErrImagePull";
      status(
          bound,
          PodStatuses.waiting(
              bound,
              rec.startTime,
              "ErrImagePull",
              "rpc error: code = NotFound desc = failed to pull and unpack image \""
                  + ref
                  + "\": failed to resolve reference \""
                  + ref
                  + "\": "
                  + ref
                  + ": not found"));
      events.schedule(
          () -> {
            if (!rec.deleted) {
              rec.waiting = "ImagePullBackOff";
              status(
                  bound,
                  PodStatuses.waiting(
                      bound,
                      rec.startTime,
                      "ImagePullBackOff",
                      "Back-off pulling image \"" + ref + "\""));
            }
          },
          backOff.toMillis(),
          TimeUnit.MILLISECONDS);
      return;
    }
    run(bound, rec, image.get());
  }

  private void run(Pod pod, PodRecord rec, JsonObject image) {
    String id;
    try {
      id =
          DockerPods.create(
                  docker,
                  pod,
                  image,
                  containerName(pod),
                  Map.of(RUN_LABEL, runId, POD_LABEL, key(pod).replace('/', '.')),
                  claims,
                  this::secret)
              .exec()
              .getId();
    } catch (DockerPods.PodConfigError e) {
      rec.waiting = e.reason;
      status(pod, PodStatuses.waiting(pod, rec.startTime, e.reason, e.getMessage()));
      // as a kubelet: try again (a Secret the pod needs may be created after it)
      events.schedule(
          () -> {
            if (!rec.deleted && rec.containerId == null) {
              run(pod, rec, image);
            }
          },
          backOff.toMillis(),
          TimeUnit.MILLISECONDS);
      return;
    } catch (DockerException e) {
      rec.waiting = "CreateContainerError";
      status(pod, PodStatuses.waiting(pod, rec.startTime, "CreateContainerError", e.getMessage()));
      return;
    }
    rec.containerId = id;
    rec.imageId = "docker-pullable://" + image.getString("Id");
    if (rec.deleted) {
      removeContainer(id);
      return;
    }
    try {
      docker.client().startContainerCmd(id).exec();
    } catch (DockerException e) {
      // the runtime could not start the process (e.g. no such executable): exit code 128
      finished(pod, rec);
      return;
    }
    JsonObject state = inspectState(id);
    rec.running = true;
    rec.waiting = null;
    status(
        pod,
        PodStatuses.running(
            pod, rec.startTime, dockerTime(state.getString("StartedAt")), id, rec.imageId));
    rec.exitWatch = docker.watchExit(id, error -> events.execute(() -> finished(pod, rec)));
  }

  private void finished(Pod pod, PodRecord rec) {
    if (rec.deleted) {
      return;
    }
    JsonObject state = inspectState(rec.containerId);
    if (state.getBoolean("Running", false)) {
      return; // the wait failed while the container runs on: keep the status
    }
    rec.running = false;
    int exit = state.getInteger("ExitCode", 128);
    String started = dockerTime(state.getString("StartedAt"));
    status(
        pod,
        PodStatuses.terminated(
            pod,
            rec.startTime,
            rec.containerId,
            rec.imageId,
            exit == 0 && !state.getString("Error", "").isEmpty() ? 128 : exit,
            state.getBoolean("OOMKilled", false),
            started == null ? PodStatuses.now() : started,
            dockerTime(state.getString("FinishedAt"))));
  }

  private void remove(Pod pod) {
    PodRecord rec = pods.remove(key(pod));
    if (rec == null) {
      return;
    }
    rec.deleted = true;
    rec.running = false;
    Closeable w = rec.exitWatch;
    if (w != null) {
      try {
        w.close();
      } catch (IOException e) {
        // the wait is abandoned either way
      }
    }
    if (rec.containerId != null) {
      removeContainer(rec.containerId);
    }
  }

  private Optional<String> missingClaim(Pod pod) {
    return pod.getSpec().getVolumes().stream()
        .filter(v -> v.getPersistentVolumeClaim() != null)
        .map(v -> v.getPersistentVolumeClaim().getClaimName())
        .filter(name -> !claims.containsKey(name))
        .findFirst()
        .map(
            name ->
                "0/1 nodes are available: persistentvolumeclaim \""
                    + name
                    + "\" not found. preemption: 0/1 nodes are available:"
                    + " 1 Preemption is not helpful for scheduling.");
  }

  private Secret secret(String namespace, String name) {
    return client.secrets().inNamespace(namespace).withName(name).get();
  }

  private void status(Pod pod, PodStatus status) {
    try {
      client
          .pods()
          .inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName())
          .editStatus(
              p -> {
                p.setStatus(status);
                return p;
              });
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private JsonObject inspectState(String id) {
    return docker
        .inspectContainer(id)
        .map(c -> c.getJsonObject("State", new JsonObject()))
        .orElse(new JsonObject());
  }

  private void removeContainer(String id) {
    try {
      docker.client().removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException | ConflictException e) {
      // gone already, or being removed
    }
  }

  /** Docker's nanosecond time as a Kubernetes time (null for Docker's zero time). */
  static String dockerTime(String text) {
    if (text == null || text.isEmpty() || text.startsWith("0001-01-01")) {
      return null;
    }
    return PodStatuses.time(Instant.parse(text));
  }

  String containerName(Pod pod) {
    return "k8s-"
        + runId
        + "-"
        + pod.getMetadata().getNamespace()
        + "-"
        + pod.getMetadata().getName();
  }

  private static String key(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  /** The Docker containers of this run (running or not). */
  public List<Container> containers() {
    return docker
        .client()
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of(RUN_LABEL, runId))
        .exec();
  }

  /** Stops watching and removes every container of this run. */
  @Override
  public void close() {
    Watch w = watch;
    if (w != null) {
      w.close();
    }
    events.shutdownNow();
    try {
      events.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (PodRecord rec : pods.values()) {
      rec.deleted = true;
    }
    for (Container c : containers()) {
      removeContainer(c.getId());
    }
    pods.clear();
  }
}

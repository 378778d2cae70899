package org.rap.agent.executor.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.rap.agent.executor.JobRun;
import org.rap.agent.outputs.EnvRedactor;

/**
 * A job's Kubernetes Job and its pod as the runtime's report of the job's run
 * (docs/spec/agent-executor.md sections 2, 6 and 7.2, section 14): pure, it talks to nobody.
 *
 * <ul>
 *   <li>phase: a Job whose pod has not finished (pending, running) is running; a pod that {@code
 *       Succeeded} or {@code Failed}, a Job that is being deleted or failed without a pod, is
 *       stopped. A Job is never "created but not started": creating it starts it;
 *   <li>exit code and OOM kill from the container's terminated state; an OOM kill is reported as
 *       the Docker executor reports one: exit code 137 with {@code oomKilled};
 *   <li>{@code container_metadata}: the Job and the pod as the API returns them, environment values
 *       redacted and {@code managedFields} left out.
 * </ul>
 *
 * {@link #pendingFailure} says when a pod that has not started must fail the job instead of being
 * waited for: an image that can never be pulled at once, else once {@code K8S_PENDING_TIMEOUT} has
 * passed since the Job was created, with the scheduler's or the kubelet's message.
 */
final class KubernetesRuns {
  /** Exit code of a killed process (128 + SIGKILL), as Docker reports kills and OOM kills. */
  static final int KILLED = 137;

  /** Waiting reasons after which the kubelet will never start the container. */
  static final Set<String> NEVER_STARTS = Set.of("InvalidImageName", "ErrImageNeverPull");

  private static final Set<String> IMAGE_PULL =
      Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull");

  private KubernetesRuns() {}

  /** The run of {@code job} with its pod ({@code null} when it has none (yet or any more)). */
  static JobRun of(Job job, Pod pod) {
    Long created = nanos(job.getMetadata().getCreationTimestamp());
    ContainerStatus container = containerStatus(pod);
    ContainerState state = container == null ? null : container.getState();
    ContainerStateTerminated terminated = state == null ? null : state.getTerminated();
    String podPhase = pod == null || pod.getStatus() == null ? null : pod.getStatus().getPhase();
    boolean podDone = "Succeeded".equals(podPhase) || "Failed".equals(podPhase);
    boolean stopped =
        podDone
            || terminated != null
            || job.getMetadata().getDeletionTimestamp() != null
            || (pod == null && jobFinished(job));
    Integer exit = null;
    Boolean oom = null;
    Long started = null;
    Long finished = null;
    if (terminated != null) {
      oom = "OOMKilled".equals(terminated.getReason());
      exit = oom ? KILLED : terminated.getExitCode();
      started = nanos(terminated.getStartedAt());
      finished = nanos(terminated.getFinishedAt());
    } else if (stopped) {
      exit = KILLED; // deleted or failed before its container ended: killed
      oom = false;
    }
    if (state != null && state.getRunning() != null) {
      started = nanos(state.getRunning().getStartedAt());
    }
    if (stopped && finished == null) {
      finished = System.currentTimeMillis() * 1_000_000L;
    }
    if (started == null) {
      started = created; // pending: executing since the Job was submitted
    }
    String imageId =
        container == null || container.getImageID() == null || container.getImageID().isEmpty()
            ? null
            : container.getImageID().replaceFirst("^docker-pullable://", "");
    return new JobRun(
        job.getMetadata().getName(),
        stopped ? JobRun.Phase.STOPPED : JobRun.Phase.RUNNING,
        created,
        started,
        finished,
        exit,
        oom,
        memoryLimit(job),
        imageId,
        new JsonObject(
            job.getMetadata().getLabels() == null
                ? Map.of()
                : Map.<String, Object>copyOf(job.getMetadata().getLabels())),
        new JsonObject().put("job", redacted(job)).put("pod", pod == null ? null : redacted(pod)));
  }

  /**
   * Why a job whose container never started must fail now, or empty when it may still start.
   *
   * @param image the image the pod runs (named in the messages)
   */
  static Optional<String> pendingFailure(
      Job job, Pod pod, String image, Instant now, Duration timeout) {
    String podPhase = pod == null || pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if (job.getMetadata().getDeletionTimestamp() != null
        || (pod != null && !"Pending".equals(podPhase) && podPhase != null)) {
      return Optional.empty();
    }
    ContainerStatus container = containerStatus(pod);
    ContainerStateWaiting waiting =
        container == null || container.getState() == null
            ? null
            : container.getState().getWaiting();
    String reason = waiting == null ? null : waiting.getReason();
    String detail =
        waiting == null || waiting.getMessage() == null ? "" : ": " + waiting.getMessage();
    if (reason != null && NEVER_STARTS.contains(reason)) {
      return Optional.of(imageMessage(image, reason + detail));
    }
    Long created = nanos(job.getMetadata().getCreationTimestamp());
    if (created == null
        || Duration.between(Instant.ofEpochSecond(0, created), now).compareTo(timeout) < 0) {
      return Optional.empty();
    }
    String waited = " within " + timeout.toSeconds() + " s (K8S_PENDING_TIMEOUT)";
    Optional<PodCondition> unschedulable =
        pod == null || pod.getStatus() == null
            ? Optional.empty()
            : pod.getStatus().getConditions().stream()
                .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()))
                .findFirst();
    if (unschedulable.isPresent()) {
      PodCondition c = unschedulable.get();
      return Optional.of(
          "Job could not be scheduled on the Kubernetes cluster"
              + waited
              + ": "
              + (c.getMessage() == null ? String.valueOf(c.getReason()) : c.getMessage()));
    }
    if (reason != null && IMAGE_PULL.contains(reason)) {
      return Optional.of(imageMessage(image, "not pulled" + waited + ": " + reason + detail));
    }
    if (pod == null) {
      return Optional.of("Kubernetes created no pod for the job" + waited);
    }
    return Optional.of(
        "Job container did not start" + waited + (reason == null ? "" : ": " + reason + detail));
  }

  private static String imageMessage(String image, String why) {
    return "Docker image " + image + " is not currently available (" + why + ")";
  }

  /** The Job's {@code Failed} or {@code Complete} condition is true. */
  static boolean jobFinished(Job job) {
    return job.getStatus() != null
        && job.getStatus().getConditions().stream()
            .anyMatch(
                c ->
                    ("Failed".equals(c.getType()) || "Complete".equals(c.getType()))
                        && "True".equals(c.getStatus()));
  }

  /** The pod has finished (its phase is final). */
  static boolean podFinished(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  static ContainerStatus containerStatus(Pod pod) {
    if (pod == null || pod.getStatus() == null) {
      return null;
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(c -> KubernetesJobSpec.CONTAINER.equals(c.getName()))
        .findFirst()
        .orElse(null);
  }

  private static long memoryLimit(Job job) {
    try {
      var containers = job.getSpec().getTemplate().getSpec().getContainers();
      Map<String, Quantity> limits = containers.get(0).getResources().getLimits();
      Quantity memory = limits == null ? null : limits.get("memory");
      return memory == null ? 0 : memory.getNumericalAmount().longValue();
    } catch (RuntimeException e) { // no resources
      return 0;
    }
  }

  /** Kubernetes RFC 3339 time in nanoseconds since the epoch; null for none. */
  static Long nanos(String time) {
    if (time == null || time.isEmpty()) {
      return null;
    }
    Instant i = Instant.parse(time);
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  /**
   * The object as JSON without {@code metadata.managedFields}, every environment value of its
   * containers replaced by {@value EnvRedactor#REDACTED} unless the variable is on the safe list.
   */
  static JsonObject redacted(Object resource) {
    JsonObject json = new JsonObject(Serialization.asJson(resource));
    JsonObject metadata = json.getJsonObject("metadata");
    if (metadata != null) {
      metadata.remove("managedFields");
    }
    JsonObject spec = json.getJsonObject("spec");
    if (spec != null && spec.getJsonObject("template") != null) {
      spec = spec.getJsonObject("template").getJsonObject("spec");
    }
    if (spec != null) {
      for (String key : List.of("containers", "initContainers")) {
        JsonArray containers = spec.getJsonArray(key, new JsonArray());
        for (int i = 0; i < containers.size(); i++) {
          JsonArray env = containers.getJsonObject(i).getJsonArray("env", new JsonArray());
          for (int j = 0; j < env.size(); j++) {
            JsonObject var = env.getJsonObject(j);
            if (var.containsKey("value")
                && !EnvRedactor.SAFE_KEYS.contains(var.getString("name"))) {
              var.put("value", EnvRedactor.REDACTED);
            }
          }
        }
      }
    }
    return json;
  }
}

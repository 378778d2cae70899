package org.rap.testing.k8s;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Pod statuses as a kubelet and scheduler write them, one per stage: unschedulable, scheduled
 * (container creating), waiting (image pull or configuration errors), running, terminated.
 */
final class PodStatuses {
  private PodStatuses() {}

  /** Kubernetes timestamps: RFC 3339 in UTC, whole seconds. */
  static String time(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  static String now() {
    return time(Instant.now());
  }

  static PodStatus unschedulable(String message) {
    return new PodStatusBuilder()
        .withPhase("Pending")
        .withConditions(condition("PodScheduled", false, "Unschedulable", message))
        .build();
  }

  /** Bound to the node; the container is being created. */
  static PodStatus scheduled(Pod pod, String startTime) {
    return waiting(pod, startTime, "ContainerCreating", null);
  }

  /**
   * Pending with the container waiting for {@code reason} (ErrImagePull, ImagePullBackOff, ...).
   */
  static PodStatus waiting(Pod pod, String startTime, String reason, String message) {
    return new PodStatusBuilder()
        .withPhase("Pending")
        .withStartTime(startTime)
        .withHostIP("127.0.0.1")
        .withConditions(
            condition("PodScheduled", true, null, null),
            condition("Initialized", true, null, null),
            condition("Ready", false, "ContainersNotReady", notReady(pod)),
            condition("ContainersReady", false, "ContainersNotReady", notReady(pod)))
        .withContainerStatuses(
            container(pod)
                .withReady(false)
                .withStarted(false)
                .withNewState()
                .withNewWaiting()
                .withReason(reason)
                .withMessage(message)
                .endWaiting()
                .endState()
                .build())
        .build();
  }

  static PodStatus running(
      Pod pod, String startTime, String startedAt, String containerId, String imageId) {
    return new PodStatusBuilder()
        .withPhase("Running")
        .withStartTime(startTime)
        .withHostIP("127.0.0.1")
        .withConditions(
            condition("PodScheduled", true, null, null),
            condition("Initialized", true, null, null),
            condition("Ready", true, null, null),
            condition("ContainersReady", true, null, null))
        .withContainerStatuses(
            container(pod)
                .withContainerID("docker://" + containerId)
                .withImageID(imageId)
                .withReady(true)
                .withStarted(true)
                .withNewState()
                .withNewRunning(startedAt)
                .endState()
                .build())
        .build();
  }

  /**
   * Exited: {@code Succeeded} with exit code 0, else {@code Failed}; reason OOMKilled, Completed or
   * Error.
   */
  static PodStatus terminated(
      Pod pod,
      String startTime,
      String containerId,
      String imageId,
      int exitCode,
      boolean oomKilled,
      String startedAt,
      String finishedAt) {
    String reason = oomKilled ? "OOMKilled" : exitCode == 0 ? "Completed" : "Error";
    return new PodStatusBuilder()
        .withPhase(exitCode == 0 ? "Succeeded" : "Failed")
        .withStartTime(startTime)
        .withHostIP("127.0.0.1")
        .withConditions(
            condition("PodScheduled", true, null, null),
            condition("Initialized", true, null, null),
            condition("Ready", false, "PodCompleted", null),
            condition("ContainersReady", false, "PodCompleted", null))
        .withContainerStatuses(
            container(pod)
                .withContainerID("docker://" + containerId)
                .withImageID(imageId)
                .withReady(false)
                .withStarted(false)
                .withNewState()
                .withNewTerminated()
                .withContainerID("docker://" + containerId)
                .withExitCode(exitCode)
                .withReason(reason)
                .withStartedAt(startedAt)
                .withFinishedAt(finishedAt)
                .endTerminated()
                .endState()
                .build())
        .build();
  }

  private static ContainerStatusBuilder container(Pod pod) {
    var c = pod.getSpec().getContainers().get(0);
    return new ContainerStatusBuilder()
        .withName(c.getName())
        .withImage(c.getImage())
        .withImageID("")
        .withRestartCount(0);
  }

  private static String notReady(Pod pod) {
    return "containers with unready status: ["
        + pod.getSpec().getContainers().get(0).getName()
        + "]";
  }

  static PodCondition condition(String type, boolean status, String reason, String message) {
    return new PodConditionBuilder()
        .withType(type)
        .withStatus(status ? "True" : "False")
        .withReason(reason)
        .withMessage(message)
        .withLastTransitionTime(now())
        .withLastProbeTime(null)
        .build();
  }

  /** The status of the pod's (only) container, if it has one yet. */
  static ContainerStatus containerStatus(Pod pod) {
    List<ContainerStatus> all =
        pod.getStatus() == null ? List.of() : pod.getStatus().getContainerStatuses();
    return all.isEmpty() ? null : all.get(0);
  }
}

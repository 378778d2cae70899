package org.rap.testing.k8s;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The one node of the test cluster: its name, labels, taints and allocatable CPU and memory. The
 * scheduler's verdict on a pod is {@link #unschedulable}: the message the real scheduler writes
 * into the {@code PodScheduled} condition when no node fits.
 *
 * @param cpu allocatable CPUs
 * @param memory allocatable bytes
 */
public record FakeNode(
    String name, Map<String, String> labels, List<Taint> taints, BigDecimal cpu, long memory) {

  public FakeNode {
    labels = Map.copyOf(labels);
    taints = List.copyOf(taints);
  }

  /** A node with these labels, no taints, and the local machine's CPUs and 64 GiB. */
  public static FakeNode withLabels(Map<String, String> labels) {
    return new FakeNode(
        "test-node",
        labels,
        List.of(),
        BigDecimal.valueOf(Runtime.getRuntime().availableProcessors()),
        64L << 30);
  }

  public FakeNode withTaints(Taint... more) {
    return new FakeNode(name, labels, List.of(more), cpu, memory);
  }

  /** Why the scheduler cannot place {@code pod} on this node, or empty when it can. */
  public Optional<String> unschedulable(Pod pod) {
    List<String> reasons = new ArrayList<>();
    Map<String, String> selector = pod.getSpec().getNodeSelector();
    if (selector != null
        && !selector.entrySet().stream()
            .allMatch(e -> Objects.equals(labels.get(e.getKey()), e.getValue()))) {
      reasons.add("1 node(s) didn't match Pod's node affinity/selector");
    }
    for (Taint taint : taints) {
      if (!"PreferNoSchedule".equals(taint.getEffect())
          && pod.getSpec().getTolerations().stream().noneMatch(t -> tolerates(t, taint))) {
        reasons.add(
            "1 node(s) had untolerated taint {"
                + taint.getKey()
                + ": "
                + Objects.toString(taint.getValue(), "")
                + "}");
        break;
      }
    }
    BigDecimal cpuWanted = BigDecimal.ZERO;
    BigDecimal memoryWanted = BigDecimal.ZERO;
    for (var c : pod.getSpec().getContainers()) {
      Map<String, Quantity> requests =
          c.getResources() == null ? null : c.getResources().getRequests();
      if (requests != null && requests.containsKey("cpu")) {
        cpuWanted = cpuWanted.add(requests.get("cpu").getNumericalAmount());
      }
      if (requests != null && requests.containsKey("memory")) {
        memoryWanted = memoryWanted.add(requests.get("memory").getNumericalAmount());
      }
    }
    if (cpuWanted.compareTo(cpu) > 0) {
      reasons.add("1 Insufficient cpu");
    }
    if (memoryWanted.compareTo(BigDecimal.valueOf(memory)) > 0) {
      reasons.add("1 Insufficient memory");
    }
    if (reasons.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        "0/1 nodes are available: "
            + String.join(", ", reasons)
            + ". preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.");
  }

  /** The Kubernetes toleration rule: key (empty: any), operator, value and effect (empty: any). */
  static boolean tolerates(Toleration t, Taint taint) {
    if (t.getEffect() != null
        && !t.getEffect().isEmpty()
        && !t.getEffect().equals(taint.getEffect())) {
      return false;
    }
    if (t.getKey() == null || t.getKey().isEmpty()) {
      return "Exists".equals(t.getOperator());
    }
    if (!t.getKey().equals(taint.getKey())) {
      return false;
    }
    if ("Exists".equals(t.getOperator())) {
      return true;
    }
    return Objects.equals(
        Objects.toString(t.getValue(), ""), Objects.toString(taint.getValue(), ""));
  }
}

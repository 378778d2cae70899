package org.rap.agent.executor.kubernetes;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.rap.agent.executor.ExecutorRetry;

/**
 * The database secrets of one run (docs/spec/agent-executor.md section 5.1) on Kubernetes: a Secret
 * {@code <Job name>-env} that the pod's environment reads ({@code secretKeyRef}), so the values
 * never enter the Job object (which anyone who may read Jobs could read, and which stays until its
 * TTL). The Secret is owned by the Job (the cluster deletes it with the Job even when the agent is
 * gone), and the agent deletes it itself as soon as the container has started (its environment is
 * set by then), and with the Job. The agent may create and delete Secrets, never read them.
 */
final class RunSecrets {
  static final String SUFFIX = "-env";

  private final KubernetesExecutor executor;

  RunSecrets(KubernetesExecutor executor) {
    this.executor = executor;
  }

  /** Where variable {@code key} of the run of Job {@code jobName} is kept. */
  static KubernetesJobSpec.SecretKey key(String jobName, String key) {
    return new KubernetesJobSpec.SecretKey(jobName + SUFFIX, key);
  }

  /** Whether the pod of {@code job} reads variables from the Secret of its run. */
  static boolean uses(Job job) {
    String name = job.getMetadata().getName() + SUFFIX;
    return job.getSpec().getTemplate().getSpec().getContainers().stream()
        .flatMap(c -> c.getEnv().stream())
        .anyMatch(
            e ->
                e.getValueFrom() != null
                    && e.getValueFrom().getSecretKeyRef() != null
                    && name.equals(e.getValueFrom().getSecretKeyRef().getName()));
  }

  /** Creates the Secret of {@code job}'s run with {@code values}; one that exists is kept. */
  void create(Job job, Map<String, String> values) {
    String name = job.getMetadata().getName() + SUFFIX;
    Secret secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName(name)
            .withLabels(job.getMetadata().getLabels())
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion("batch/v1")
                    .withKind("Job")
                    .withName(job.getMetadata().getName())
                    .withUid(job.getMetadata().getUid())
                    .build())
            .endMetadata()
            .withType("Opaque")
            .withImmutable(true)
            .withStringData(new LinkedHashMap<>(values))
            .build();
    try {
      executor.client().secrets().inNamespace(executor.namespace()).resource(secret).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw new ExecutorRetry(
            "Could not create Secret " + name + ": " + KubernetesExecutor.apiMessage(e), e);
      }
    }
  }

  /** Deletes the Secret of Job {@code jobName}'s run; none is fine. */
  void delete(String jobName) {
    try {
      executor
          .client()
          .secrets()
          .inNamespace(executor.namespace())
          .withName(jobName + SUFFIX)
          .delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw new ExecutorRetry(
            "Could not delete Secret " + jobName + SUFFIX + ": " + KubernetesExecutor.apiMessage(e),
            e);
      }
    }
  }
}

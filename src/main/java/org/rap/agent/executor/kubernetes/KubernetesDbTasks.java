package org.rap.agent.executor.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import org.rap.agent.executor.DbTaskException;
import org.rap.agent.executor.ExecutorException;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.JobRun;
import org.rap.common.config.KubernetesConfig;
import org.rap.common.model.JobDefinition;

/**
 * A database task (docs/spec/agent-executor.md section 11) as a Kubernetes Job: the database
 * utilities image in the hardened pod of jobs (no workspace; the database-access label, so the
 * NetworkPolicy lets it reach the database, when it runs on the database network), its environment
 * in a Secret of the run ({@link RunSecrets}), waited for on the calling worker thread, its output
 * read from the pod log API (at most {@link #MAX_OUTPUT} bytes; the API mixes standard error in),
 * then the Job deleted with its pod and Secret.
 */
final class KubernetesDbTasks {
  private static final Logger LOG = Logger.getLogger(KubernetesDbTasks.class.getName());
  static final int MAX_OUTPUT = 1 << 20;
  private static final Duration TIMEOUT = Duration.ofMinutes(15);
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KubernetesExecutor executor;
  private final ExecutorSettings settings;
  private final KubernetesConfig config;
  private final RunSecrets secrets;

  KubernetesDbTasks(
      KubernetesExecutor executor,
      ExecutorSettings settings,
      KubernetesConfig config,
      RunSecrets secrets) {
    this.executor = executor;
    this.settings = settings;
    this.config = config;
    this.secrets = secrets;
  }

  String run(
      String image, String imageSha, List<String> args, Map<String, String> env, String network) {
    String name = "os-dbtask-" + suffix();
    JobDefinition task = definition(name, image, imageSha, args, network);
    String ref;
    try {
      ref = KubernetesJobSpec.imageReference(task, settings);
    } catch (ExecutorException e) {
      throw new DbTaskException("ImageNotFound", e.getMessage(), e);
    }
    KubernetesJobSpec spec =
        KubernetesJobSpec.forJob(task, settings, config).name(name).withoutWorkspace();
    executor.withSecrets(spec, name, env);
    Job job = executor.create(spec.build(), name);
    try {
      if (!env.isEmpty()) {
        secrets.create(job, env);
      }
      Pod pod = awaitFinished(job, ref);
      String output = output(pod);
      JobRun run = KubernetesRuns.of(job, pod);
      Integer code = run.exitCode();
      if (code == null || code != 0) {
        throw DbTaskException.nonZeroExit(args, image, code);
      }
      return output;
    } finally {
      try {
        executor.deleteJob(name);
        secrets.delete(name);
      } catch (RuntimeException e) {
        LOG.warning("Could not delete DB task Job " + name + ": " + e.getMessage());
      }
    }
  }

  /** The task's pod once it has finished. */
  private Pod awaitFinished(Job job, String ref) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      Job now = executor.getJob(job.getMetadata().getName());
      if (now == null) {
        throw new DbTaskException("RuntimeError", "the task's Kubernetes Job was deleted");
      }
      Pod pod = executor.podOf(now);
      if (pod != null && KubernetesRuns.podFinished(pod)) {
        return pod;
      }
      Optional<String> failure =
          KubernetesRuns.pendingFailure(now, pod, ref, Instant.now(), config.pendingTimeout());
      if (failure.isPresent()) {
        throw new DbTaskException("ImageNotFound", failure.get());
      }
      if (System.nanoTime() > deadline) {
        throw new DbTaskException(
            "TimeoutError", "the task did not finish within " + TIMEOUT.toMinutes() + " minutes");
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DbTaskException("InterruptedError", "interrupted waiting for the task", e);
      }
    }
  }

  private String output(Pod pod) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    OutputStream bounded =
        new OutputStream() {
          @Override
          public void write(int b) {
            if (out.size() < MAX_OUTPUT) {
              out.write(b);
            }
          }

          @Override
          public void write(byte[] b, int off, int len) {
            out.write(b, off, Math.max(0, Math.min(len, MAX_OUTPUT - out.size())));
          }
        };
    try {
      executor.copyLog(pod.getMetadata().getName(), false, bounded);
    } catch (IOException e) {
      throw new DbTaskException("RuntimeError", "could not read the task's output: " + e, e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static JobDefinition definition(
      String name, String image, String imageSha, List<String> args, String network) {
    return JobDefinition.fromJson(
        new JsonObject()
            .put("id", name)
            .put("task_id", name)
            .put("workspace", "dbtask")
            .put("action", "dbtask")
            .put("image", image)
            .put("image_sha", imageSha)
            .put("args", new JsonArray(args))
            .put("allow_database_access", !"none".equals(network))
            .put("cpu_count", 0)
            .putNull("memory_limit"));
  }

  private static String suffix() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }
}

package org.rap.testing.k8s;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The Job controller (and TTL controller) of the test cluster, for single-pod Jobs as the agent
 * creates them ({@code backoffLimit 0}, one completion):
 *
 * <ul>
 *   <li>a new Job gets its pod {@code <job>-<5 random characters>}, with the template's labels plus
 *       {@code job-name}, {@code controller-uid} (and their {@code batch.kubernetes.io/} forms) and
 *       an owner reference to the Job; the Job gets {@code active: 1} and {@code startTime};
 *   <li>the pod's phase becomes the Job's status: {@code ready}, then {@code succeeded: 1} with
 *       conditions {@code SuccessCriteriaMet} and {@code Complete}, or {@code failed: 1} with
 *       {@code FailureTarget} and {@code Failed} (reason {@code BackoffLimitExceeded}); a pod
 *       deleted before it finished fails the Job the same way;
 *   <li>a deleted Job's pods are deleted (the mock server removes the Job at once whatever the
 *       propagation policy, so "foreground" only means: its pods go right after it);
 *   <li>{@code ttlSecondsAfterFinished} after it finished, a Job is deleted.
 * </ul>
 */
public final class TestJobController implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(TestJobController.class.getName());
  public static final String CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
  public static final String JOB_NAME = "batch.kubernetes.io/job-name";
  private static final char[] SUFFIX = "bcdfghjklmnpqrstvwxz2456789".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KubernetesClient client;
  private final ScheduledExecutorService events;
  private final Set<String> started = ConcurrentHashMap.newKeySet();
  private final Set<String> finished = ConcurrentHashMap.newKeySet();
  private final List<Watch> watches = new ArrayList<>();

  public TestJobController(KubernetesClient client) {
    this.client = client;
    this.events =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "test-job-controller");
              t.setDaemon(true);
              return t;
            });
  }

  public TestJobController start() {
    watches.add(client.batch().v1().jobs().inAnyNamespace().watch(watcher(this::onJob, "Job")));
    watches.add(
        client
            .pods()
            .inAnyNamespace()
            .withLabel(CONTROLLER_UID)
            .watch(watcher(this::onPod, "pod")));
    return this;
  }

  private interface Handler<T> {
    void handle(Watcher.Action action, T object);
  }

  private <T> Watcher<T> watcher(Handler<T> handler, String kind) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T object) {
        events.execute(
            () -> {
              try {
                handler.handle(action, object);
              } catch (RuntimeException e) {
                LOG.log(
                    Level.WARNING, "test job controller: " + kind + " " + action + " failed", e);
              }
            });
      }

      @Override
      public void onClose(WatcherException cause) {
        if (cause != null) {
          LOG.log(Level.WARNING, "test job controller: " + kind + " watch closed", cause);
        }
      }
    };
  }

  private void onJob(Watcher.Action action, Job job) {
    String uid = job.getMetadata().getUid();
    if (action == Watcher.Action.DELETED) {
      started.remove(uid);
      finished.remove(uid);
      // one by one: a collection delete by label with a propagation policy deleted nothing on the
      // mock server
      for (Pod pod :
          client
              .pods()
              .inNamespace(job.getMetadata().getNamespace())
              .withLabel(CONTROLLER_UID, uid)
              .list()
              .getItems()) {
        client.resource(pod).delete();
      }
      return;
    }
    if (action == Watcher.Action.ADDED && started.add(uid)) {
      createPod(job);
    }
  }

  private void createPod(Job job) {
    String name = job.getMetadata().getName();
    String uid = job.getMetadata().getUid();
    Map<String, String> labels = new LinkedHashMap<>();
    var template = job.getSpec().getTemplate();
    if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
      labels.putAll(template.getMetadata().getLabels());
    }
    labels.put(CONTROLLER_UID, uid);
    labels.put(JOB_NAME, name);
    labels.put("controller-uid", uid);
    labels.put("job-name", name);
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      suffix.append(SUFFIX[RANDOM.nextInt(SUFFIX.length)]);
    }
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name + "-" + suffix)
            .withNamespace(job.getMetadata().getNamespace())
            .withLabels(labels)
            .withAnnotations(
                template.getMetadata() == null ? null : template.getMetadata().getAnnotations())
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion("batch/v1")
                    .withKind("Job")
                    .withName(name)
                    .withUid(uid)
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build())
            .endMetadata()
            .withSpec(template.getSpec())
            .build();
    client.pods().inNamespace(job.getMetadata().getNamespace()).resource(pod).create();
    jobStatus(
        job,
        new JobStatusBuilder().withActive(1).withReady(0).withStartTime(PodStatuses.now()).build());
  }

  private void onPod(Watcher.Action action, Pod pod) {
    String uid = pod.getMetadata().getLabels().get(CONTROLLER_UID);
    String jobName = pod.getMetadata().getLabels().get(JOB_NAME);
    String ns = pod.getMetadata().getNamespace();
    if (uid == null || finished.contains(uid)) {
      return;
    }
    Job job = client.batch().v1().jobs().inNamespace(ns).withName(jobName).get();
    if (job == null || !uid.equals(job.getMetadata().getUid())) {
      return;
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    JobStatus current = job.getStatus() == null ? new JobStatus() : job.getStatus();
    String start = Objects.requireNonNullElse(current.getStartTime(), PodStatuses.now());
    if (action == Watcher.Action.DELETED || "Failed".equals(phase)) {
      String now = PodStatuses.now();
      finish(
          job,
          new JobStatusBuilder()
              .withActive(0)
              .withReady(0)
              .withFailed(1)
              .withStartTime(start)
              .withConditions(
                  condition("FailureTarget", "BackoffLimitExceeded", now),
                  condition("Failed", "BackoffLimitExceeded", now))
              .build());
    } else if ("Succeeded".equals(phase)) {
      String now = PodStatuses.now();
      finish(
          job,
          new JobStatusBuilder()
              .withActive(0)
              .withReady(0)
              .withSucceeded(1)
              .withStartTime(start)
              .withCompletionTime(now)
              .withConditions(
                  condition("SuccessCriteriaMet", "CompletionsReached", now),
                  condition("Complete", "CompletionsReached", now))
              .build());
    } else if ("Running".equals(phase)) {
      jobStatus(
          job, new JobStatusBuilder().withActive(1).withReady(1).withStartTime(start).build());
    }
  }

  private void finish(Job job, JobStatus status) {
    String uid = job.getMetadata().getUid();
    if (!finished.add(uid)) {
      return;
    }
    jobStatus(job, status);
    Integer ttl = job.getSpec().getTtlSecondsAfterFinished();
    if (ttl != null) {
      events.schedule(
          () -> {
            Job now =
                client
                    .batch()
                    .v1()
                    .jobs()
                    .inNamespace(job.getMetadata().getNamespace())
                    .withName(job.getMetadata().getName())
                    .get();
            if (now != null && uid.equals(now.getMetadata().getUid())) {
              client.resource(now).withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
            }
          },
          ttl,
          TimeUnit.SECONDS);
    }
  }

  private static JobCondition condition(String type, String reason, String now) {
    return new JobConditionBuilder()
        .withType(type)
        .withStatus("True")
        .withReason(reason)
        .withMessage(
            type.equals("Failed") || type.equals("FailureTarget")
                ? "Job has reached the specified backoff limit"
                : "Reached expected number of succeeded pods")
        .withLastProbeTime(now)
        .withLastTransitionTime(now)
        .build();
  }

  private void jobStatus(Job job, JobStatus status) {
    try {
      client
          .batch()
          .v1()
          .jobs()
          .inNamespace(job.getMetadata().getNamespace())
          .withName(job.getMetadata().getName())
          .editStatus(
              j -> {
                j.setStatus(status);
                return j;
              });
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  @Override
  public void close() {
    watches.forEach(Watch::close);
    events.shutdownNow();
    try {
      events.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package org.rap.agent.executor.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HostAlias;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rap.agent.executor.DatabaseAccess;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.JobFailure;
import org.rap.agent.executor.MemoryLimit;
import org.rap.common.config.KubernetesConfig;
import org.rap.common.model.ImageNames;
import org.rap.common.model.JobDefinition;
import org.rap.common.text.KubernetesNames;

/**
 * The Kubernetes Job that runs one attempt of a job: the hardened container of
 * docs/spec/agent-executor.md section 5.2 as a pod. Pure: it builds the object and talks to nobody.
 *
 * <ul>
 *   <li>name {@code os-job-<job id>-<NNN>} (the attempt number of the RUNJOB task id {@code <job
 *       id>-<NNN>}; {@code os-job-<job id>} for other task ids), a DNS-1123 label;
 *   <li>{@code backoffLimit 0}, one pod, {@code restartPolicy Never}, {@code
 *       ttlSecondsAfterFinished} = {@code K8S_JOB_TTL_SECONDS};
 *   <li>labels ({@link #labels}) on the Job and its pods: job id, task id, RAP id, workspace,
 *       action, backend, and whether the pod may reach the database; values that are not valid
 *       label values are converted ({@link KubernetesNames#labelValue}) and the raw text is kept in
 *       an annotation of the same key;
 *   <li>the pod: no service-account token, no service links, DNS pointing nowhere ({@value
 *       DatabaseAccess#DB_DNS}, as the Docker executor's database jobs; the database host comes
 *       from a host alias), user and group of {@code DOCKER_USER_ID}/{@code DOCKER_GROUP_ID} and
 *       {@code runAsNonRoot} unless that user is root, seccomp {@code RuntimeDefault}, node
 *       selector, tolerations and image pull Secrets from the settings;
 *   <li>the container: the image by digest when the definition has one, the job's {@code args} (the
 *       image's entry point is kept), working directory {@code /workspace}, {@code HOME=/tmp} and
 *       the job's environment, no privilege escalation, all capabilities dropped, read-only root
 *       file system, CPU and memory requests equal to limits from {@code cpu_count} and {@code
 *       memory_limit};
 *   <li>volumes: the job's sub-path of {@code K8S_STORAGE_CLAIM} at {@code /workspace} (writable)
 *       and an empty directory at {@code /tmp}.
 * </ul>
 *
 * <p>Use: {@code KubernetesJobSpec.forJob(definition, settings, config).volumeSubPath(path)
 * .env(envWithSecrets).build()}.
 */
public final class KubernetesJobSpec {
  public static final String PREFIX = "rap.opensafely.org/";
  public static final String JOB_ID = PREFIX + "job-id";
  public static final String TASK_ID = PREFIX + "task-id";
  public static final String RAP_ID = PREFIX + "rap-id";
  public static final String WORKSPACE = PREFIX + "workspace";
  public static final String ACTION = PREFIX + "action";
  public static final String BACKEND = PREFIX + "backend";

  /** {@code "true"} on pods that the allow-database NetworkPolicy lets reach the database. */
  public static final String DATABASE_ACCESS = PREFIX + "database-access";

  /** {@code job} on every job pod: the deny-all NetworkPolicy selects it. */
  public static final String COMPONENT = "app.kubernetes.io/component";

  public static final String COMPONENT_JOB = "job";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGER = "rap-agent";

  public static final String CONTAINER = "job";
  public static final String WORKSPACE_MOUNT = "/workspace";
  public static final String TMP_MOUNT = "/tmp";
  public static final String WORKSPACE_VOLUME = "workspace";
  public static final String TMP_VOLUME = "tmp";

  /** Seconds between SIGTERM and SIGKILL when a job pod is deleted (cancel). */
  public static final long TERMINATION_GRACE_SECONDS = 1;

  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final long GI = 1L << 30;
  private static final long MI = 1L << 20;
  private static final long KI = 1L << 10;

  private final JobDefinition job;
  private final ExecutorSettings settings;
  private final KubernetesConfig config;
  private String volumeSubPath;
  private boolean workspace = true;
  private String name;
  private Map<String, String> env;
  private final Map<String, SecretKey> secretEnv = new LinkedHashMap<>();
  private final Map<String, String> hostAliases = new LinkedHashMap<>();

  /** An environment variable taken from key {@code key} of Secret {@code secret}. */
  public record SecretKey(String secret, String key) {}

  private KubernetesJobSpec(JobDefinition job, ExecutorSettings settings, KubernetesConfig config) {
    this.job = Objects.requireNonNull(job);
    this.settings = Objects.requireNonNull(settings);
    this.config = Objects.requireNonNull(config);
    this.env = job.env();
  }

  /** A builder for {@code job}'s Job; its environment is the definition's until {@link #env}. */
  public static KubernetesJobSpec forJob(
      JobDefinition job, ExecutorSettings settings, KubernetesConfig config) {
    return new KubernetesJobSpec(job, settings, config);
  }

  /**
   * The job's directory on the storage claim, relative to the claim's root (e.g. {@code
   * high_privacy/volumes/<job id>}): mounted at {@code /workspace}. Required.
   */
  public KubernetesJobSpec volumeSubPath(String subPath) {
    if (subPath == null
        || subPath.isBlank()
        || subPath.startsWith("/")
        || List.of(subPath.split("/")).contains("..")) {
      throw new IllegalArgumentException(
          "the volume sub-path must be a relative path inside the claim, got '" + subPath + "'");
    }
    this.volumeSubPath = subPath;
    return this;
  }

  /**
   * No workspace: no claim, nothing at {@code /workspace} but an empty directory (a database task,
   * docs/spec/agent-executor.md section 11).
   */
  public KubernetesJobSpec withoutWorkspace() {
    this.workspace = false;
    return this;
  }

  /** Another name than {@link #jobName} (a database task's). */
  public KubernetesJobSpec name(String jobName) {
    if (!KubernetesNames.isDnsLabel(jobName)) {
      throw new IllegalArgumentException("not a valid Job name: '" + jobName + "'");
    }
    this.name = jobName;
    return this;
  }

  /** The container's environment (besides {@code HOME=/tmp}), e.g. the job's plus secrets. */
  public KubernetesJobSpec env(Map<String, String> env) {
    this.env = new LinkedHashMap<>(env);
    return this;
  }

  /**
   * Variables read from Secrets by the kubelet, so their values never enter the Job object (the
   * database secrets of section 5.1, kept in a Secret of the namespace).
   */
  public KubernetesJobSpec secretEnv(Map<String, SecretKey> variables) {
    secretEnv.putAll(variables);
    return this;
  }

  /**
   * A host name the pod resolves without DNS ({@code /etc/hosts}), as the Docker executor's extra
   * host entry for the database of database jobs.
   */
  public KubernetesJobSpec hostAlias(String hostname, String ip) {
    hostAliases.put(hostname, ip);
    return this;
  }

  /** The Job. */
  public Job build() {
    if (workspace && volumeSubPath == null) {
      throw new IllegalStateException("volumeSubPath is required");
    }
    String claim =
        !workspace
            ? null
            : config
                .storageClaim()
                .orElseThrow(
                    () ->
                        new IllegalStateException(
                            "K8S_STORAGE_CLAIM is required to run jobs on Kubernetes"));
    Map<String, String> labels = labels(job, settings);
    Map<String, String> annotations = annotations(job, labels);
    long[] user = user(settings.dockerUser());
    boolean root = user[0] == 0;

    ContainerBuilder container =
        new ContainerBuilder()
            .withName(CONTAINER)
            .withImage(imageReference(job, settings))
            .withImagePullPolicy("IfNotPresent")
            .withArgs(job.args())
            .withWorkingDir(WORKSPACE_MOUNT)
            .withEnv(envVars())
            .withSecurityContext(
                new SecurityContextBuilder()
                    .withAllowPrivilegeEscalation(false)
                    .withPrivileged(false)
                    .withReadOnlyRootFilesystem(true)
                    .withNewCapabilities()
                    .withDrop("ALL")
                    .endCapabilities()
                    .build())
            .withVolumeMounts(
                new VolumeMountBuilder()
                    .withName(WORKSPACE_VOLUME)
                    .withMountPath(WORKSPACE_MOUNT)
                    .withSubPath(volumeSubPath)
                    .withReadOnly(false)
                    .build(),
                new VolumeMountBuilder().withName(TMP_VOLUME).withMountPath(TMP_MOUNT).build());
    VolumeBuilder workspaceVolume = new VolumeBuilder().withName(WORKSPACE_VOLUME);
    if (workspace) {
      workspaceVolume.withNewPersistentVolumeClaim(claim, false);
    } else {
      workspaceVolume.withNewEmptyDir().endEmptyDir();
    }
    Map<String, Quantity> resources = resources(job);
    if (!resources.isEmpty()) {
      container.withNewResources().withRequests(resources).withLimits(resources).endResources();
    }

    PodSpecBuilder pod =
        new PodSpecBuilder()
            .withRestartPolicy("Never")
            .withAutomountServiceAccountToken(false)
            .withEnableServiceLinks(false)
            .withTerminationGracePeriodSeconds(TERMINATION_GRACE_SECONDS)
            .withDnsPolicy("None")
            .withNewDnsConfig()
            .withNameservers(DatabaseAccess.DB_DNS)
            .endDnsConfig()
            .withSecurityContext(
                new PodSecurityContextBuilder()
                    .withRunAsUser(user[0])
                    .withRunAsGroup(user[1])
                    .withRunAsNonRoot(!root)
                    .withNewSeccompProfile()
                    .withType("RuntimeDefault")
                    .endSeccompProfile()
                    .build())
            .withContainers(container.build())
            .withVolumes(
                workspaceVolume.build(),
                new VolumeBuilder().withName(TMP_VOLUME).withNewEmptyDir().endEmptyDir().build())
            .withNodeSelector(config.nodeSelector())
            .withTolerations(tolerations(config))
            .withImagePullSecrets(
                config.imagePullSecrets().stream().map(LocalObjectReference::new).toList());
    hostAliases.forEach((host, ip) -> pod.addToHostAliases(new HostAlias(List.of(host), ip)));

    return new JobBuilder()
        .withNewMetadata()
        .withName(name != null ? name : jobName(job))
        .withLabels(labels)
        .withAnnotations(annotations)
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(0)
        .withCompletions(1)
        .withParallelism(1)
        .withTtlSecondsAfterFinished(Math.toIntExact(config.jobTtl().toSeconds()))
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .withAnnotations(annotations)
        .endMetadata()
        .withSpec(pod.build())
        .endTemplate()
        .endSpec()
        .build();
  }

  // ---------------------------------------------------------------- names and labels

  /**
   * {@code os-job-<job id>-<NNN>} for the RUNJOB task {@code <job id>-<NNN>}, else {@code
   * os-job-<job id>}: a new attempt never meets the Job of an earlier one that is still being
   * deleted. Job ids are DNS-safe already; any other id is converted deterministically.
   */
  public static String jobName(JobDefinition job) {
    String attempt = "";
    String taskId = job.taskId() == null ? "" : job.taskId();
    Matcher m = Pattern.compile(Pattern.quote(job.id()) + "-(\\d+)").matcher(taskId);
    if (m.matches()) {
      attempt = "-" + m.group(1);
    }
    return KubernetesNames.dnsLabel("os-job-", job.id() + attempt);
  }

  /** The labels of a job's Jobs and pods (values converted to label values when needed). */
  public static Map<String, String> labels(JobDefinition job, ExecutorSettings settings) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/name", "rap");
    labels.put(COMPONENT, COMPONENT_JOB);
    labels.put(MANAGED_BY, MANAGER);
    labels.put(JOB_ID, KubernetesNames.labelValue(job.id()));
    labels.put(TASK_ID, KubernetesNames.labelValue(Objects.toString(job.taskId(), "")));
    labels.put(RAP_ID, KubernetesNames.labelValue(Objects.toString(job.rapId(), "")));
    labels.put(WORKSPACE, KubernetesNames.labelValue(job.workspace()));
    labels.put(ACTION, KubernetesNames.labelValue(job.action()));
    labels.put(BACKEND, KubernetesNames.labelValue(settings.backend()));
    labels.put(DATABASE_ACCESS, String.valueOf(DatabaseAccess.isRealDbJob(job, settings)));
    return labels;
  }

  /** The label selector of every Job (and pod) of one job, whatever the attempt. */
  public static Map<String, String> selector(String jobId) {
    return Map.of(JOB_ID, KubernetesNames.labelValue(jobId));
  }

  /** The raw text of every label whose value had to be converted, under the same key. */
  static Map<String, String> annotations(JobDefinition job, Map<String, String> labels) {
    Map<String, String> raw = new LinkedHashMap<>();
    raw.put(JOB_ID, job.id());
    raw.put(TASK_ID, Objects.toString(job.taskId(), ""));
    raw.put(RAP_ID, Objects.toString(job.rapId(), ""));
    raw.put(WORKSPACE, job.workspace());
    raw.put(ACTION, job.action());
    Map<String, String> out = new LinkedHashMap<>();
    raw.forEach(
        (key, value) -> {
          if (!value.equals(labels.get(key))) {
            out.put(key, value);
          }
        });
    return out;
  }

  // ---------------------------------------------------------------- image, user, resources

  /**
   * The image the pod runs: with a digest, {@code <repository>@<digest>} pulled through {@code
   * DOCKER_PROXY} when one is configured (as the Docker executor pulls), else from the image's own
   * repository; without a digest, the image as the definition names it.
   */
  public static String imageReference(JobDefinition job, ExecutorSettings settings) {
    String image = job.image();
    if (image == null || image.isBlank()) {
      throw new JobFailure("Job definition has no image");
    }
    String sha = job.imageSha() == null ? "" : job.imageSha().strip();
    if (sha.isEmpty()) {
      return image;
    }
    if (!DIGEST.matcher(sha).matches()) {
      throw new JobFailure("Invalid image digest '" + sha + "' for image " + image);
    }
    String unpinned = image.replaceFirst("@.*$", "");
    if (settings.pullImages()) {
      return ImageNames.byDigest(unpinned, settings.dockerRegistry(), settings.dockerProxy(), sha);
    }
    return unpinned.replaceFirst(":[^:/]*$", "") + "@" + sha;
  }

  /** {@code uid:gid} as two numbers. */
  static long[] user(String dockerUser) {
    String[] parts = Objects.toString(dockerUser, "").split(":");
    try {
      if (parts.length == 2) {
        return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("job user must be <uid>:<gid>, got '" + dockerUser + "'");
  }

  /** {@code cpu} and {@code memory} from the definition (absent when not set). */
  static Map<String, Quantity> resources(JobDefinition job) {
    Map<String, Quantity> out = new LinkedHashMap<>();
    if (job.cpuCount() > 0) {
      long milli = Math.round(job.cpuCount() * 1000);
      out.put("cpu", new Quantity(milli % 1000 == 0 ? String.valueOf(milli / 1000) : milli + "m"));
    }
    Long memory = MemoryLimit.parse(job.memoryLimit());
    if (memory != null) {
      out.put("memory", new Quantity(memoryQuantity(memory)));
    }
    return out;
  }

  static String memoryQuantity(long bytes) {
    if (bytes > 0 && bytes % GI == 0) {
      return bytes / GI + "Gi";
    }
    if (bytes > 0 && bytes % MI == 0) {
      return bytes / MI + "Mi";
    }
    if (bytes > 0 && bytes % KI == 0) {
      return bytes / KI + "Ki";
    }
    return String.valueOf(bytes);
  }

  private List<EnvVar> envVars() {
    List<EnvVar> out = new ArrayList<>();
    if (!env.containsKey("HOME") && !secretEnv.containsKey("HOME")) {
      out.add(new EnvVar("HOME", "/tmp", null));
    }
    env.forEach(
        (k, v) -> {
          if (!secretEnv.containsKey(k)) {
            out.add(new EnvVar(k, v, null));
          }
        });
    secretEnv.forEach(
        (k, ref) ->
            out.add(
                new EnvVarBuilder()
                    .withName(k)
                    .withNewValueFrom()
                    .withNewSecretKeyRef()
                    .withName(ref.secret())
                    .withKey(ref.key())
                    .withOptional(false)
                    .endSecretKeyRef()
                    .endValueFrom()
                    .build()));
    return out;
  }

  static List<Toleration> tolerations(KubernetesConfig config) {
    List<Toleration> out = new ArrayList<>();
    for (KubernetesConfig.Toleration t : config.tolerations()) {
      out.add(
          new TolerationBuilder()
              .withKey(t.key().isEmpty() ? null : t.key())
              .withOperator(t.operator())
              .withValue(t.value().isEmpty() ? null : t.value())
              .withEffect(t.effect().isEmpty() ? null : t.effect())
              .withTolerationSeconds(t.tolerationSeconds().orElse(null))
              .build());
    }
    return out;
  }
}

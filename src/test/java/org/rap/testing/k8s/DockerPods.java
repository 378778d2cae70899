package org.rap.testing.k8s;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import org.rap.agent.executor.docker.DockerApi;

/**
 * The Docker container of a pod's (single) container, as a kubelet with the Docker runtime would
 * create it: image, command and args, environment (Secrets resolved), working directory, user,
 * claim sub-paths as bind mounts, empty directories as tmpfs, memory and CPU limits, no network,
 * read-only root file system, capabilities, no-new-privileges, host aliases and DNS servers.
 */
final class DockerPods {
  /** A pod the kubelet cannot create a container for: the waiting reason and message. */
  static final class PodConfigError extends RuntimeException {
    final String reason;

    PodConfigError(String reason, String message) {
      super(message);
      this.reason = reason;
    }
  }

  private DockerPods() {}

  /**
   * The local image for {@code ref}: by reference; a digest reference also by the repository
   * digests and the id of local images (the local image store stands in for the registry).
   */
  static Optional<JsonObject> localImage(DockerApi docker, String ref) {
    Optional<JsonObject> direct = docker.inspectImage(ref);
    if (direct.isPresent()) {
      return direct;
    }
    int at = ref.indexOf("@sha256:");
    if (at < 0) {
      return Optional.empty();
    }
    String digest = ref.substring(at + 1);
    return docker.inspectImage(digest).filter(i -> digest.equals(i.getString("Id")));
  }

  /**
   * @param claims claim name → host directory of the claim
   * @param secrets (namespace, name) → the Secret or null
   */
  static CreateContainerCmd create(
      DockerApi docker,
      Pod pod,
      JsonObject image,
      String containerName,
      Map<String, String> labels,
      Map<String, Path> claims,
      BiFunction<String, String, Secret> secrets) {
    Container c = pod.getSpec().getContainers().get(0);
    String ns = pod.getMetadata().getNamespace();
    PodSecurityContext podSc = pod.getSpec().getSecurityContext();
    SecurityContext sc = c.getSecurityContext();
    Long uid =
        first(sc == null ? null : sc.getRunAsUser(), podSc == null ? null : podSc.getRunAsUser());
    Long gid =
        first(sc == null ? null : sc.getRunAsGroup(), podSc == null ? null : podSc.getRunAsGroup());
    Boolean nonRoot =
        first(
            sc == null ? null : sc.getRunAsNonRoot(),
            podSc == null ? null : podSc.getRunAsNonRoot());
    String podRef =
        "pod: \""
            + pod.getMetadata().getName()
            + "_"
            + ns
            + "("
            + pod.getMetadata().getUid()
            + ")\", container: "
            + c.getName();
    if (Boolean.TRUE.equals(nonRoot)) {
      String imageUser = image.getJsonObject("Config", new JsonObject()).getString("User", "");
      if (uid != null && uid == 0) {
        throw new PodConfigError(
            "CreateContainerConfigError",
            "container's runAsUser breaks non-root policy (" + podRef + ")");
      }
      if (uid == null
          && (imageUser.isEmpty() || imageUser.equals("root") || imageUser.startsWith("0"))) {
        throw new PodConfigError(
            "CreateContainerConfigError",
            "container has runAsNonRoot and image will run as root (" + podRef + ")");
      }
    }

    HostConfig host = HostConfig.newHostConfig().withNetworkMode("none");
    List<Bind> binds = new ArrayList<>();
    Map<String, String> tmpfs = new LinkedHashMap<>();
    for (VolumeMount m : c.getVolumeMounts()) {
      var volume =
          pod.getSpec().getVolumes().stream()
              .filter(v -> v.getName().equals(m.getName()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new PodConfigError(
                          "CreateContainerConfigError",
                          "volume \"" + m.getName() + "\" is not declared by the pod"));
      if (volume.getPersistentVolumeClaim() != null) {
        Path root = claims.get(volume.getPersistentVolumeClaim().getClaimName());
        Path source = subPath(root, m.getSubPath());
        boolean ro =
            Boolean.TRUE.equals(m.getReadOnly())
                || Boolean.TRUE.equals(volume.getPersistentVolumeClaim().getReadOnly());
        binds.add(
            new Bind(
                source.toString(),
                new Volume(m.getMountPath()),
                ro ? AccessMode.ro : AccessMode.rw));
      } else if (volume.getEmptyDir() != null) {
        tmpfs.put(m.getMountPath(), "rw,exec,mode=1777");
      } else {
        throw new PodConfigError(
            "CreateContainerConfigError",
            "volume \""
                + m.getName()
                + "\": only persistentVolumeClaim and emptyDir volumes are supported");
      }
    }
    host.withBinds(binds).withTmpFs(tmpfs);
    Map<String, Quantity> limits = c.getResources() == null ? null : c.getResources().getLimits();
    if (limits != null && limits.containsKey("memory")) {
      long bytes = limits.get("memory").getNumericalAmount().longValueExact();
      host.withMemory(bytes).withMemorySwap(bytes);
    }
    if (limits != null && limits.containsKey("cpu")) {
      BigDecimal cpus = limits.get("cpu").getNumericalAmount();
      host.withNanoCPUs(cpus.multiply(BigDecimal.valueOf(1_000_000_000L)).longValue());
    }
    if (sc != null) {
      host.withReadonlyRootfs(Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem()));
      host.withPrivileged(Boolean.TRUE.equals(sc.getPrivileged()));
      if (Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
        host.withSecurityOpts(List.of("no-new-privileges"));
      }
      if (sc.getCapabilities() != null) {
        host.withCapDrop(capabilities(sc.getCapabilities().getDrop()));
        host.withCapAdd(capabilities(sc.getCapabilities().getAdd()));
      }
    }
    List<String> extraHosts = new ArrayList<>();
    pod.getSpec()
        .getHostAliases()
        .forEach(a -> a.getHostnames().forEach(h -> extraHosts.add(h + ":" + a.getIp())));
    host.withExtraHosts(extraHosts.toArray(String[]::new));
    if (pod.getSpec().getDnsConfig() != null) {
      host.withDns(pod.getSpec().getDnsConfig().getNameservers());
    }

    CreateContainerCmd cmd =
        docker
            .client()
            .createContainerCmd(image.getString("Id"))
            .withName(containerName)
            .withHostConfig(host)
            .withLabels(labels)
            .withEnv(env(c, ns, secrets));
    if (c.getCommand() != null && !c.getCommand().isEmpty()) {
      cmd.withEntrypoint(c.getCommand());
    }
    if (c.getArgs() != null && !c.getArgs().isEmpty()) {
      cmd.withCmd(c.getArgs());
    }
    if (c.getWorkingDir() != null) {
      cmd.withWorkingDir(c.getWorkingDir());
    }
    if (uid != null) {
      cmd.withUser(uid + (gid == null ? "" : ":" + gid));
    }
    return cmd;
  }

  /** {@code root/subPath}, created when missing (as the kubelet does); never outside root. */
  static Path subPath(Path root, String subPath) {
    Path source = subPath == null || subPath.isEmpty() ? root : root.resolve(subPath).normalize();
    if (!source.startsWith(root)) {
      throw new PodConfigError(
          "CreateContainerConfigError", "failed to prepare subPath for volumeMount: " + subPath);
    }
    try {
      Files.createDirectories(source);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return source;
  }

  private static List<String> env(
      Container c, String ns, BiFunction<String, String, Secret> secrets) {
    List<String> out = new ArrayList<>();
    for (EnvVar e : c.getEnv()) {
      if (e.getValueFrom() == null) {
        out.add(e.getName() + "=" + (e.getValue() == null ? "" : e.getValue()));
        continue;
      }
      var ref = e.getValueFrom().getSecretKeyRef();
      if (ref == null) {
        throw new PodConfigError(
            "CreateContainerConfigError", "only secretKeyRef is supported in valueFrom");
      }
      Secret secret = secrets.apply(ns, ref.getName());
      if (secret == null) {
        throw new PodConfigError(
            "CreateContainerConfigError", "secret \"" + ref.getName() + "\" not found");
      }
      String value = null;
      if (secret.getData() != null && secret.getData().containsKey(ref.getKey())) {
        value =
            new String(
                Base64.getDecoder().decode(secret.getData().get(ref.getKey())),
                StandardCharsets.UTF_8);
      } else if (secret.getStringData() != null) {
        value = secret.getStringData().get(ref.getKey());
      }
      if (value == null) {
        throw new PodConfigError(
            "CreateContainerConfigError",
            "couldn't find key " + ref.getKey() + " in Secret " + ns + "/" + ref.getName());
      }
      out.add(e.getName() + "=" + value);
    }
    return out;
  }

  private static Capability[] capabilities(List<String> names) {
    return names == null
        ? new Capability[0]
        : names.stream().map(Capability::valueOf).toArray(Capability[]::new);
  }

  private static <T> T first(T a, T b) {
    return a != null ? a : b;
  }
}

package org.rap.common.model;

/**
 * How a job's image is named (docs/spec/job-model.md section 6.1, docs/spec/agent-executor.md
 * section 4): a job definition names it {@code <DOCKER_REGISTRY>/<name>:<tag>}; an agent that runs
 * it by digest pulls {@code <DOCKER_PROXY>/<name>@<digest>}.
 */
public final class ImageNames {
  private ImageNames() {}

  /** {@code <registry>/<name:tag>}: the image of a run command's first word, in the registry. */
  public static String inRegistry(String registry, String nameTag) {
    return prefix(registry) + nameTag;
  }

  /**
   * {@code <name:tag>} of an image named in the registry ({@link #inRegistry}); of any other image,
   * what follows its last {@code /}.
   */
  public static String nameTag(String image, String registry) {
    String prefix = prefix(registry);
    return image.startsWith(prefix)
        ? image.substring(prefix.length())
        : image.substring(image.lastIndexOf('/') + 1);
  }

  /** {@code <proxy>/<name>@<digest>}: the image pinned to its digest, pulled through the proxy. */
  public static String byDigest(String image, String registry, String proxy, String digest) {
    return prefix(proxy) + nameTag(image, registry).replaceFirst(":[^:/]*$", "") + "@" + digest;
  }

  private static String prefix(String host) {
    return host.endsWith("/") ? host : host + "/";
  }
}

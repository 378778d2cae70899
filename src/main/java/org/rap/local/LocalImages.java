package org.rap.local;

import org.rap.common.model.ImageNames;
import org.rap.common.pipeline.Action;

/**
 * Image references of a local run: {@code <DOCKER_REGISTRY>/<name>:<tag>}, tag latest when none.
 */
public final class LocalImages {
  private LocalImages() {}

  public static String image(String registry, Action a) {
    String first = a.run().get(0);
    return ImageNames.inRegistry(registry, first.contains(":") ? first : first + ":latest");
  }
}

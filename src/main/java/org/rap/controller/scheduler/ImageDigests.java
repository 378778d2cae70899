package org.rap.controller.scheduler;

import io.vertx.core.Future;

/**
 * Resolves an image reference ({@code <registry>/<image>:<tag>}) to its content digest ({@code
 * sha256:...}) when a task is created. No registry is reachable from this deployment's tests, so
 * the default ({@link CachingImageDigests}) answers null when no registry is configured or
 * reachable, reusing the last digest seen for that reference.
 */
public interface ImageDigests {
  /** The digest, or null when unknown; never fails and never blocks the calling thread. */
  Future<String> digest(String imageReference);
}

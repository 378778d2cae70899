package org.rap.controller.scheduler;

/**
 * Resolves an image reference ({@code <registry>/<image>:<tag>}) to its content digest ({@code
 * sha256:...}) when a task is created. No registry is reachable from this deployment's tests, so
 * the default ({@link CachingImageDigests}) answers null when no registry is configured or
 * reachable, reusing the last digest seen for that reference.
 */
public interface ImageDigests {
  /** The digest, or null when unknown. Must not block for long (runs off the event loop). */
  String digest(String imageReference);

  /**
   * Whether {@link #digest} may block (asks a registry): the scheduler then calls it on a worker
   * thread. An implementation that only answers from memory returns false and is called on the
   * event loop, saving a thread hop per created task.
   */
  default boolean mayBlock() {
    return true;
  }
}

package org.rap.controller.scheduler;

import io.vertx.core.Future;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * {@link ImageDigests} with the reference's fallback: on a lookup failure, reuse the last digest
 * seen for the same reference (else null). The lookup itself is pluggable; without a registry every
 * answer comes from memory, so definitions carry {@code image_sha: null}.
 */
public final class CachingImageDigests implements ImageDigests {
  private static final Logger LOG = Logger.getLogger(CachingImageDigests.class.getName());

  /** Asks a registry; fails when it is not reachable or does not know the image. */
  @FunctionalInterface
  public interface Lookup {
    Future<String> lookup(String imageReference);
  }

  /** Null when no registry is configured: answers come from {@link #lastSeen} only. */
  private final Lookup lookup;

  private final Map<String, String> lastSeen = new ConcurrentHashMap<>();
  private final Map<String, Long> warned = new ConcurrentHashMap<>();
  private static final long WARN_EVERY_NS = 60_000_000_000L;

  public CachingImageDigests(Lookup lookup) {
    this.lookup = lookup;
  }

  /** No registry configured: digests are null unless a previous lookup succeeded. */
  public static CachingImageDigests offline() {
    return new CachingImageDigests(null);
  }

  @Override
  public Future<String> digest(String imageReference) {
    if (lookup == null) {
      return Future.succeededFuture(lastSeen.get(imageReference));
    }
    Future<String> asked;
    try {
      asked = lookup.lookup(imageReference);
    } catch (RuntimeException e) {
      asked = Future.failedFuture(e);
    }
    return asked.transform(
        ar -> {
          if (ar.succeeded() && ar.result() != null) {
            lastSeen.put(imageReference, ar.result());
            return Future.succeededFuture(ar.result());
          }
          String seen = lastSeen.get(imageReference);
          if (ar.failed()) {
            failed(imageReference, ar.cause(), seen);
          }
          return Future.succeededFuture(seen);
        });
  }

  private void failed(String imageReference, Throwable cause, String seen) {
    if (seen != null) {
      LOG.fine("Digest lookup for " + imageReference + " failed (" + cause + "); using " + seen);
      return;
    }
    // once a minute per image: the task goes out unpinned and the agent runs or pulls the tag
    long now = System.nanoTime();
    Long last = warned.get(imageReference);
    if (last == null || now - last > WARN_EVERY_NS) {
      warned.put(imageReference, now);
      LOG.warning(
          "Could not resolve the digest of "
              + imageReference
              + " from the registry ("
              + cause.getMessage()
              + "): tasks for it are not pinned until the registry answers");
    }
  }
}

package org.rap.controller.scheduler;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * {@link ImageDigests} with the reference's fallback: on a lookup failure, reuse the last digest
 * seen for the same reference (else null). The lookup itself is pluggable; the default has no
 * registry and always fails, so definitions carry {@code image_sha: null}.
 */
public final class CachingImageDigests implements ImageDigests {
  private static final Logger LOG = Logger.getLogger(CachingImageDigests.class.getName());

  /** Asks a registry; throws when it is not configured or not reachable. */
  @FunctionalInterface
  public interface Lookup {
    String lookup(String imageReference) throws Exception;
  }

  private final Lookup lookup;

  /** True when no registry is configured: answers come from {@link #lastSeen} only. */
  private final boolean offline;

  private final Map<String, String> lastSeen = new ConcurrentHashMap<>();
  private final Map<String, Long> warned = new ConcurrentHashMap<>();
  private static final long WARN_EVERY_NS = 60_000_000_000L;

  public CachingImageDigests(Lookup lookup) {
    this(lookup, false);
  }

  private CachingImageDigests(Lookup lookup, boolean offline) {
    this.lookup = lookup;
    this.offline = offline;
  }

  /** No registry configured: digests are null unless a previous lookup succeeded. */
  public static CachingImageDigests offline() {
    return new CachingImageDigests(
        ref -> {
          throw new UnsupportedOperationException("no registry configured");
        },
        true);
  }

  /** Offline, every answer comes from memory. */
  @Override
  public boolean mayBlock() {
    return !offline;
  }

  @Override
  public String digest(String imageReference) {
    if (offline) {
      return lastSeen.get(imageReference);
    }
    try {
      String d = lookup.lookup(imageReference);
      if (d != null) {
        lastSeen.put(imageReference, d);
        return d;
      }
    } catch (UnsupportedOperationException e) {
      // no registry: fall through to the cache silently
    } catch (Exception e) {
      String seen = lastSeen.get(imageReference);
      if (seen != null) {
        LOG.fine("Digest lookup for " + imageReference + " failed (" + e + "); using " + seen);
        return seen;
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
                + e.getMessage()
                + "): tasks for it are not pinned until the registry answers");
      }
    }
    return lastSeen.get(imageReference);
  }
}

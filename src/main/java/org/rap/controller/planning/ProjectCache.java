package org.rap.controller.planning;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.rap.common.pipeline.Pipeline;

/**
 * Parsed project.yaml files by {@code repo@commit} (a commit's file never changes, and job-server
 * sends many requests for the same commit, one per set of actions), least recently used dropped
 * first. Bounded by entries and by the total size of the files: a parsed file holds about three
 * times its size in memory, and a large study's project.yaml is a megabyte.
 */
final class ProjectCache {
  private record Entry(Pipeline pipeline, long bytes) {}

  private final int maxEntries;
  private final long maxBytes;
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
  private long bytes;

  ProjectCache(int maxEntries, long maxBytes) {
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
  }

  synchronized Pipeline get(String key) {
    Entry e = entries.get(key);
    return e == null ? null : e.pipeline();
  }

  /** Remembers {@code pipeline}, parsed from a file of {@code fileBytes} bytes. */
  synchronized void put(String key, Pipeline pipeline, long fileBytes) {
    Entry old = entries.remove(key);
    if (old != null) {
      bytes -= old.bytes();
    }
    if (fileBytes > maxBytes) {
      return;
    }
    entries.put(key, new Entry(pipeline, fileBytes));
    bytes += fileBytes;
    Iterator<Map.Entry<String, Entry>> eldest = entries.entrySet().iterator();
    while ((bytes > maxBytes || entries.size() > maxEntries) && eldest.hasNext()) {
      bytes -= eldest.next().getValue().bytes();
      eldest.remove();
    }
  }

  /** The total size of the cached files (tests). */
  synchronized long bytes() {
    return bytes;
  }

  synchronized int size() {
    return entries.size();
  }
}

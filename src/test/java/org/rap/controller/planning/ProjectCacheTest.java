package org.rap.controller.planning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rap.common.pipeline.Pipeline;

class ProjectCacheTest {
  private static final Pipeline P = new Pipeline(5, Map.of(), null, List.of());

  @Test
  void boundedByTotalSizeLeastRecentlyUsedFirst() {
    ProjectCache cache = new ProjectCache(100, 1000);
    cache.put("a", P, 400);
    cache.put("b", P, 400);
    assertSame(P, cache.get("a")); // b is now the least recently used
    cache.put("c", P, 400);
    assertNull(cache.get("b"));
    assertSame(P, cache.get("a"));
    assertSame(P, cache.get("c"));
    assertEquals(800, cache.bytes());
  }

  @Test
  void boundedByEntries() {
    ProjectCache cache = new ProjectCache(2, 1_000_000);
    cache.put("a", P, 1);
    cache.put("b", P, 1);
    cache.put("c", P, 1);
    assertNull(cache.get("a"));
    assertEquals(2, cache.size());
    assertEquals(2, cache.bytes());
  }

  @Test
  void aFileLargerThanTheWholeCacheIsNotKeptAndReplacingCountsOnce() {
    ProjectCache cache = new ProjectCache(10, 1000);
    cache.put("a", P, 300);
    cache.put("a", P, 500);
    assertEquals(500, cache.bytes());
    cache.put("big", P, 1001);
    assertNull(cache.get("big"));
    assertSame(P, cache.get("a"));
    assertEquals(500, cache.bytes());
  }
}

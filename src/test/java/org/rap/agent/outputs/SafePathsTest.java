package org.rap.agent.outputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafePathsTest {
  @TempDir Path dir;

  @Test
  void escapesAreRefused() throws Exception {
    Path root = Files.createDirectories(dir.resolve("ws"));
    Path outside = Files.createDirectories(dir.resolve("outside"));
    assertThrows(PathEscapeException.class, () -> SafePaths.resolve(root, "../outside/x"));
    assertThrows(PathEscapeException.class, () -> SafePaths.resolve(root, "/etc/passwd"));
    assertThrows(PathEscapeException.class, () -> SafePaths.resolve(root, ""));
    assertThrows(PathEscapeException.class, () -> SafePaths.resolve(root, "a/../../x"));
    Files.createSymbolicLink(root.resolve("link"), outside);
    assertThrows(PathEscapeException.class, () -> SafePaths.resolve(root, "link/file.csv"));
    Files.createSymbolicLink(root.resolve("file-link"), outside.resolve("f"));
    assertThrows(PathEscapeException.class, () -> SafePaths.resolve(root, "file-link"));
    assertEquals(root.resolve("a/b.csv"), SafePaths.resolve(root, "a/b.csv"));
    Files.createDirectories(root.resolve("real"));
    Files.createSymbolicLink(root.resolve("inner"), root.resolve("real"));
    assertEquals(root.resolve("inner/x"), SafePaths.resolve(root, "inner/x"));
  }

  @Test
  void atomicWritesLeaveNoTemporaryFiles() throws Exception {
    Path f = dir.resolve("a/b/c.txt");
    AtomicFiles.writeString(f, "one");
    AtomicFiles.writeString(f, "two");
    assertEquals("two", Files.readString(f));
    try (var s = Files.list(f.getParent())) {
      assertEquals(1, s.count());
    }
    Path copy = dir.resolve("copy/c.txt");
    assertEquals(3, AtomicFiles.copy(f, copy));
    Files.createSymbolicLink(dir.resolve("l"), f);
    assertThrows(IOException.class, () -> AtomicFiles.copy(dir.resolve("l"), dir.resolve("z")));
    assertTrue(Files.exists(copy));
  }
}

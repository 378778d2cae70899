package org.rap.agent.executor;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serialises the jobs that file into one workspace (its {@code manifest.json} is read, updated and
 * replaced), across threads of this agent and across the agents sharing the storage
 * (docs/spec/agent-executor.md section 7.4): an in-process monitor, then an exclusive lock on
 * {@code HIGH_PRIVACY_STORAGE_BASE/locks/<workspace>.lock} (POSIX locks: the shared filesystem must
 * support them).
 */
final class WorkspaceLock {
  private final Path locksDir;
  private final ConcurrentHashMap<String, Object> monitors = new ConcurrentHashMap<>();

  WorkspaceLock(Path locksDir) {
    this.locksDir = locksDir;
  }

  /** Runs {@code work} holding the lock of {@code workspace}. */
  <T> T hold(String workspace, LeaseFence.Work<T> work) throws IOException {
    synchronized (monitors.computeIfAbsent(workspace, k -> new Object())) {
      Files.createDirectories(locksDir);
      try (FileChannel ch =
              FileChannel.open(
                  locksDir.resolve(workspace + ".lock"),
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE);
          FileLock lock = ch.lock()) {
        return work.run();
      }
    }
  }
}

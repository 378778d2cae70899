package org.rap.controller.scheduler;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An OS file lock ({@code FileChannel.tryLock}) next to the SQLite database: works across
 * processes, and the OS releases it when the holder dies. Within one JVM a second holder is refused
 * too.
 */
public final class FileSchedulerLock implements SchedulerLock {
  private final Vertx vertx;
  private final Path file;
  private FileChannel channel;
  private FileLock lock;

  public FileSchedulerLock(Vertx vertx, Path file) {
    this.vertx = vertx;
    this.file = file;
  }

  @Override
  public Future<Boolean> tryAcquire() {
    return vertx.executeBlocking(this::tryAcquireBlocking, false);
  }

  private synchronized boolean tryAcquireBlocking() throws IOException {
    if (lock != null && lock.isValid()) {
      return true;
    }
    if (channel == null) {
      Files.createDirectories(file.toAbsolutePath().getParent());
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      // keep the channel open: closing a descriptor would drop this process's POSIX locks on
      // the file, including one another instance in this JVM holds
      return false;
    }
    channel.truncate(0);
    channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes()));
    return true;
  }

  @Override
  public synchronized boolean isHeld() {
    return lock != null && lock.isValid();
  }

  @Override
  public Future<Void> release() {
    return vertx.executeBlocking(
        () -> {
          synchronized (this) {
            if (lock != null) {
              lock.release();
              lock = null;
            }
            if (channel != null) {
              channel.close();
              channel = null;
            }
          }
          return null;
        },
        false);
  }

  @Override
  public String describe() {
    return "lock file " + file;
  }
}

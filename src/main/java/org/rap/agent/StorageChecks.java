package org.rap.agent;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.UUID;
import org.rap.common.config.AgentConfig;

/**
 * What an agent checks of its storage before it takes any task (docs/spec/agent-executor.md section
 * 7.4), so that the agents of one backend share the same high- and medium-privacy storage and none
 * writes where another does not look:
 *
 * <ul>
 *   <li>each storage tree is writable and renames atomically (a probe file is written, renamed over
 *       and deleted);
 *   <li>each tree carries a marker {@value #MARKER} naming its backend and a storage id (the first
 *       agent writes it; the others read it): a tree marked for another backend is refused, and the
 *       ids are sent to the controller, which refuses an agent whose storage is not its backend's
 *       other agents' (a local directory where a shared mount was meant);
 *   <li>the job volume directory is this agent's alone: it holds an exclusive lock on {@value
 *       #VOLUME_LOCK} for as long as it runs.
 * </ul>
 */
public final class StorageChecks implements AutoCloseable {
  public static final String MARKER = ".rap-storage";
  static final String VOLUME_LOCK = ".rap-agent.lock";

  private final FileChannel volumeChannel;
  private final FileLock volumeLock;
  private final String storageId;

  private StorageChecks(FileChannel channel, FileLock lock, String storageId) {
    this.volumeChannel = channel;
    this.volumeLock = lock;
    this.storageId = storageId;
  }

  /** The ids of the high- and medium-privacy trees, as sent to the controller. */
  public String storageId() {
    return storageId;
  }

  /**
   * Runs every check (blocking). Fails with an IllegalStateException naming the setting and the
   * problem.
   */
  public static StorageChecks run(AgentConfig config) {
    String high = check("HIGH_PRIVACY_STORAGE_BASE", config.highPrivacyStorageBase(), config);
    String medium = check("MEDIUM_PRIVACY_STORAGE_BASE", config.mediumPrivacyStorageBase(), config);
    Path volumes = config.highPrivacyVolumeDir();
    FileChannel ch = null;
    try {
      Files.createDirectories(volumes);
      Path lockFile = volumes.resolve(VOLUME_LOCK);
      ch =
          FileChannel.open(
              lockFile,
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        String holder = Files.readString(lockFile, StandardCharsets.UTF_8).strip();
        throw new IllegalStateException(
            "HIGH_PRIVACY_VOLUME_DIR "
                + volumes
                + " is in use by another running agent"
                + (holder.isEmpty() ? "" : " ('" + holder + "')")
                + ": every agent needs a job volume directory of its own (set"
                + " HIGH_PRIVACY_VOLUME_DIR, e.g. to a directory on the agent's local disk)");
      }
      ch.truncate(0);
      ch.write(ByteBuffer.wrap(config.agentId().getBytes(StandardCharsets.UTF_8)), 0);
      return new StorageChecks(ch, lock, high + "/" + medium);
    } catch (IOException e) {
      closeQuietly(ch);
      throw new IllegalStateException(
          "HIGH_PRIVACY_VOLUME_DIR " + volumes + " cannot be used: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(ch);
      throw e;
    }
  }

  /** Checks one storage tree; returns its storage id. */
  private static String check(String key, Path root, AgentConfig config) {
    try {
      Files.createDirectories(root);
      Path probe = root.resolve(".rap-probe-" + UUID.randomUUID());
      Path renamed = root.resolve(probe.getFileName() + ".renamed");
      try {
        Files.writeString(probe, config.agentId(), StandardCharsets.UTF_8);
        Files.move(probe, renamed, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(probe);
        Files.deleteIfExists(renamed);
      }
      return marker(key, root, config.backend());
    } catch (IOException e) {
      throw new IllegalStateException(
          key
              + " "
              + root
              + " is not usable storage (it must be writable and rename files atomically): "
              + e,
          e);
    }
  }

  /** Reads the tree's marker, writing it first when the tree has none. */
  private static String marker(String key, Path root, String backend) throws IOException {
    Path marker = root.resolve(MARKER);
    if (!Files.exists(marker)) {
      JsonObject fresh =
          new JsonObject()
              .put("backend", backend)
              .put("storage_id", UUID.randomUUID().toString())
              .put("created_at", Instant.now().toString());
      Path tmp = root.resolve(MARKER + ".tmp-" + UUID.randomUUID());
      Files.writeString(tmp, fresh.encodePrettily(), StandardCharsets.UTF_8);
      try {
        // no replace: when two agents start at once, the first marker wins
        Files.createLink(marker, tmp);
      } catch (FileAlreadyExistsException raced) {
        // another agent wrote it first
      } catch (UnsupportedOperationException | IOException noLinks) {
        if (!Files.exists(marker)) {
          Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
    JsonObject m;
    try {
      m = new JsonObject(Files.readString(marker, StandardCharsets.UTF_8));
    } catch (DecodeException e) {
      throw new IllegalStateException(
          key + " " + root + ": its marker " + MARKER + " is not JSON; restore or remove it");
    }
    String markedBackend = m.getString("backend", "");
    String id = m.getString("storage_id", "");
    if (!markedBackend.equals(backend)) {
      throw new IllegalStateException(
          key
              + " "
              + root
              + " is the storage of backend '"
              + markedBackend
              + "' (marker "
              + marker
              + "), not of '"
              + backend
              + "'");
    }
    if (id.isEmpty()) {
      throw new IllegalStateException(
          key + " " + root + ": its marker " + MARKER + " has no storage_id");
    }
    return id;
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // closing releases the lock
      }
    }
  }

  @Override
  public void close() {
    try {
      volumeLock.release();
    } catch (IOException ignored) {
      // closing the channel releases it too
    }
    closeQuietly(volumeChannel);
  }
}

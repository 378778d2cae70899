package org.rap.local;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.outputs.SafePaths;

/**
 * The files a local run keeps in its study directory: outputs and action logs where the study's
 * code expects them, and under {@code metadata/.rap/} the executor's storage (high and medium
 * privacy workspaces, job volumes, job logs), the state of earlier runs and the lock that keeps two
 * runs of one study apart.
 */
public final class LocalWorkspace implements AutoCloseable {
  private final Path projectDir;
  private final Path base;
  private final String name;
  private final LocalState state;
  private FileChannel lockChannel;
  private FileLock lock;

  private LocalWorkspace(Path projectDir, LocalState state) {
    this.projectDir = projectDir;
    this.base = projectDir.resolve("metadata").resolve(".rap");
    this.state = state;
    String dir = projectDir.getFileName() == null ? "" : projectDir.getFileName().toString();
    String ws = dir.replaceAll("[^a-zA-Z0-9_-]", "-").replaceAll("^[-_]+", "");
    this.name = ws.isBlank() ? "local" : ws;
  }

  /** Reads the state of earlier runs (a damaged state file only costs re-running actions). */
  public static LocalWorkspace open(Path projectDir) throws IOException {
    Path base = projectDir.resolve("metadata").resolve(".rap");
    return new LocalWorkspace(projectDir, LocalState.load(base.resolve("state.json")));
  }

  /**
   * Takes the study's run lock; false when another {@code rap run} of the same directory holds it.
   */
  public boolean lock() throws IOException {
    Files.createDirectories(base);
    lockChannel =
        FileChannel.open(
            base.resolve("run.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      lockChannel.close();
      lockChannel = null;
      return false;
    }
    return true;
  }

  public String name() {
    return name;
  }

  public LocalState state() {
    return state;
  }

  /** Whether an action's last run succeeded and every output it copied back is still there. */
  public boolean succeededBefore(String action) {
    return state
        .last(action)
        .filter(LocalState.LastRun::succeeded)
        .map(last -> last.outputs().stream().allMatch(o -> Files.exists(projectDir.resolve(o))))
        .orElse(false);
  }

  ExecutorSettings settings(String registry) throws IOException {
    ExecutorSettings s = ExecutorSettings.local("local", base).withDockerRegistry(registry);
    Files.createDirectories(s.highPrivacyWorkspacesDir().resolve(name));
    return s;
  }

  /** Where job volumes (bind-mounted at /workspace) live. */
  public Path volumesDir() {
    return ExecutorSettings.local("local", base).highPrivacyVolumeDir();
  }

  private Path highPrivacyWorkspace() {
    return ExecutorSettings.local("local", base).highPrivacyWorkspacesDir().resolve(name);
  }

  Path highPrivacyLog(String action) {
    return highPrivacyWorkspace().resolve("metadata").resolve(action + ".log");
  }

  /** Copies a finished job's outputs into the study directory: path → privacy level. */
  Map<String, String> copyOutputs(JsonObject metadata) throws IOException {
    Map<String, String> copied = new LinkedHashMap<>();
    JsonObject outputs = metadata.getJsonObject("outputs", new JsonObject());
    for (String output : outputs.fieldNames()) {
      Path src = SafePaths.resolve(highPrivacyWorkspace(), output);
      Path dest = SafePaths.resolve(projectDir, output);
      if (Files.isRegularFile(src)) {
        Files.createDirectories(dest.getParent());
        Files.copy(src, dest, StandardCopyOption.REPLACE_EXISTING);
        copied.put(
            projectDir.relativize(dest).toString(), String.valueOf(outputs.getValue(output)));
      }
    }
    return copied;
  }

  @Override
  public void close() throws IOException {
    if (lock != null) {
      lock.release();
      lock = null;
    }
    if (lockChannel != null) {
      lockChannel.close();
      lockChannel = null;
    }
  }
}

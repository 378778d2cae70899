package org.rap.common.telemetry;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Free and total space of the file systems a role writes to ({@code rap_storage_free_bytes{tree}},
 * {@code rap_storage_size_bytes{tree}}): the agent's privacy storage trees, the controller's
 * working directory and backups. Read at scrape time; a path that does not exist (yet) reports the
 * nearest existing parent, one that cannot be read reports NaN.
 */
public final class StorageGauges {
  private StorageGauges() {}

  public static void register(MeterRegistry registry, Map<String, Path> trees) {
    trees.forEach(
        (tree, path) -> {
          Gauge.builder("rap.storage.free", path, p -> space(p, true))
              .baseUnit("bytes")
              .description("Usable space left on the file system of a storage tree")
              .tag("tree", tree)
              .register(registry);
          Gauge.builder("rap.storage.size", path, p -> space(p, false))
              .baseUnit("bytes")
              .description("Size of the file system of a storage tree")
              .tag("tree", tree)
              .register(registry);
        });
  }

  static double space(Path path, boolean free) {
    Path p = path.toAbsolutePath();
    while (p != null && !Files.exists(p)) {
      p = p.getParent();
    }
    if (p == null) {
      return Double.NaN;
    }
    try {
      FileStore fs = Files.getFileStore(p);
      return free ? fs.getUsableSpace() : fs.getTotalSpace();
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }
}

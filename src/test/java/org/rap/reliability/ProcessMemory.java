package org.rap.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A process's resident memory as the kernel counts it ({@code /proc/<pid>/status}). */
final class ProcessMemory {
  private ProcessMemory() {}

  /** The peak resident set size so far ({@code VmHWM}), in MiB. */
  static long peakMiB(Process p) throws IOException {
    return kib(p, "VmHWM:") / 1024;
  }

  /** The resident set size now ({@code VmRSS}), in MiB. */
  static long nowMiB(Process p) throws IOException {
    return kib(p, "VmRSS:") / 1024;
  }

  private static long kib(Process p, String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(p.pid()), "status"))) {
      if (line.startsWith(key)) {
        return Long.parseLong(line.substring(key.length()).replace("kB", "").strip());
      }
    }
    throw new IOException(key + " not in /proc/" + p.pid() + "/status");
  }
}

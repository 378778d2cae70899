package org.rap.common.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Secrets read from files: {@code <NAME>_FILE=/run/secrets/name} sets {@code NAME} to the file's
 * content with one trailing newline dropped, as Docker and Kubernetes mount secrets. Resolved
 * within each configuration layer, so layering keeps its order; a layer that sets both forms is an
 * error. Files of another role's secrets are left unread (an agent given the controller's
 * environment does not need the controller's secret files mounted).
 */
final class SecretFiles {
  private SecretFiles() {}

  static void resolve(ConfigLayer layer, Role role, List<String> problems) {
    for (Map.Entry<String, String> e : List.copyOf(layer.values().entrySet())) {
      String fileKey = e.getKey();
      if (!fileKey.endsWith(KnownKeys.FILE_SUFFIX)) {
        continue;
      }
      String key = fileKey.substring(0, fileKey.length() - KnownKeys.FILE_SUFFIX.length());
      if (!KnownKeys.isSecret(key) || e.getValue().isBlank()) {
        continue;
      }
      String origin = layer.origins().get(fileKey);
      String existing = layer.values().get(key);
      if (existing != null && !existing.isEmpty()) {
        problems.add(
            "Both "
                + key
                + " and "
                + fileKey
                + " are set (in "
                + layer.name()
                + "): set only one of them");
        continue;
      }
      if (!KnownKeys.usedBy(key, role)) {
        continue;
      }
      Path path = Path.of(e.getValue().strip());
      try {
        layer.put(key, trimNewline(Files.readString(path, StandardCharsets.UTF_8)), origin);
      } catch (IOException | RuntimeException ex) {
        problems.add(
            fileKey
                + " names a file that cannot be read: "
                + path
                + (origin == null ? "" : " (from " + origin + ")"));
      }
    }
  }

  /** Drops one trailing line break ({@code \n} or {@code \r\n}), as editors and echo add one. */
  static String trimNewline(String s) {
    if (s.endsWith("\r\n")) {
      return s.substring(0, s.length() - 2);
    }
    return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
  }
}

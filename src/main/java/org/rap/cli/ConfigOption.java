package org.rap.cli;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Optional;
import org.rap.common.config.ConfigLoader;
import org.rap.common.config.Role;
import org.rap.common.config.Settings;
import picocli.CommandLine.Option;

/** The {@code --config FILE} option shared by every command, and loading the layered settings. */
public final class ConfigOption {
  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Settings file (YAML, JSON or properties) layered over the built-in defaults and under"
              + " environment variables.")
  Path configFile;

  /** Loads settings for {@code role} on a short-lived Vert.x instance (for one-shot commands). */
  public Settings load(Role role) {
    Vertx vertx = Vertx.vertx();
    try {
      return ConfigLoader.load(vertx, role, Optional.ofNullable(configFile)).await();
    } finally {
      vertx.close().await();
    }
  }

  public Optional<Path> file() {
    return Optional.ofNullable(configFile);
  }
}

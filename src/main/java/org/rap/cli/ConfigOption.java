package org.rap.cli;

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
          "Settings file layered over the built-in defaults and under environment variables:"
              + " YAML, JSON, Java properties or KEY=value lines, told apart by the file's"
              + " extension (KEY=value for any name that is not YAML, JSON or properties).")
  Path configFile;

  /**
   * Loads the settings for {@code role}. Problems (an unreadable or malformed file, unknown keys)
   * are kept in the result and reported with every other one by {@link Settings#throwIfInvalid}.
   */
  public Settings load(Role role) {
    return ConfigLoader.read(role, Optional.ofNullable(configFile), System.getenv());
  }

  public Optional<Path> file() {
    return Optional.ofNullable(configFile);
  }
}

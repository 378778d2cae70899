package org.rap.common.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads the layered configuration with vertx-config, lowest priority first: the role's YAML
 * defaults ({@code conf/*.yaml} on the classpath), an optional file ({@code --config} or {@code
 * RAP_CONFIG}), Kubernetes ConfigMaps/Secrets mounted as directories ({@code RAP_CONFIG_DIRS},
 * comma separated, one file per key), then environment variables. Keys are the reference's
 * environment variable names throughout.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  public static Future<Settings> load(Vertx vertx, Role role, Optional<Path> configFile) {
    return load(vertx, role, configFile, System.getenv());
  }

  public static Future<Settings> load(
      Vertx vertx, Role role, Optional<Path> configFile, Map<String, String> env) {
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setScanPeriod(-1);
    for (String file : role.defaultFiles()) {
      if (ConfigLoader.class.getClassLoader().getResource(file) != null) {
        options.addStore(yamlFile(file, false));
      }
    }
    Optional<Path> file =
        configFile.or(
            () ->
                Optional.ofNullable(env.get("RAP_CONFIG")).filter(s -> !s.isBlank()).map(Path::of));
    if (file.isPresent()) {
      Path p = file.get().toAbsolutePath();
      if (!Files.isReadable(p)) {
        return Future.failedFuture(
            new ConfigException(
                List.of("configuration file " + p + " does not exist or is not readable")));
      }
      options.addStore(yamlOrJson(p));
    }
    String dirs = env.get("RAP_CONFIG_DIRS");
    if (dirs != null && !dirs.isBlank()) {
      for (String d : dirs.split(",")) {
        if (d.isBlank()) {
          continue;
        }
        try {
          options.addStore(
              new ConfigStoreOptions().setType("json").setConfig(keyPerFile(Path.of(d.strip()))));
        } catch (IOException e) {
          return Future.failedFuture(
              new ConfigException(
                  List.of(
                      "RAP_CONFIG_DIRS: cannot read configuration directory "
                          + d.strip()
                          + ": "
                          + e.getMessage())));
        }
      }
    }
    options.addStore(
        new ConfigStoreOptions().setType("json").setConfig(new JsonObject(Map.copyOf(env)).copy()));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever
        .getConfig()
        .map(json -> Settings.of(json.getMap()))
        .andThen(ar -> retriever.close());
  }

  /**
   * A Kubernetes ConfigMap or Secret mounted as a volume: one file per key, the content is the
   * value. Hidden entries ({@code ..data} and friends) are skipped.
   */
  static JsonObject keyPerFile(Path dir) throws IOException {
    JsonObject out = new JsonObject();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        String name = f.getFileName().toString();
        if (!name.startsWith(".") && Files.isRegularFile(f)) {
          out.put(name, Files.readString(f).strip());
        }
      }
    }
    return out;
  }

  private static ConfigStoreOptions yamlFile(String path, boolean optional) {
    return new ConfigStoreOptions()
        .setType("file")
        .setFormat("yaml")
        .setOptional(optional)
        .setConfig(new JsonObject().put("path", path));
  }

  private static ConfigStoreOptions yamlOrJson(Path p) {
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    String format =
        name.endsWith(".json") ? "json" : name.endsWith(".properties") ? "properties" : "yaml";
    ConfigStoreOptions o = new ConfigStoreOptions().setType("file").setFormat(format);
    JsonObject c = new JsonObject().put("path", p.toString());
    if (format.equals("properties")) {
      c.put("raw-data", true);
    }
    return o.setConfig(c);
  }
}

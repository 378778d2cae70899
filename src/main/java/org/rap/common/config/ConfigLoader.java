package org.rap.common.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the layered configuration with vertx-config, lowest priority first: the role's YAML
 * defaults ({@code conf/*.yaml} on the classpath), an optional file ({@code --config} or {@code
 * RAP_CONFIG}), an optional Kubernetes ConfigMap ({@code KUBERNETES_CONFIGMAP}), then environment
 * variables. Keys are the reference's environment variable names throughout.
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
            () -> Optional.ofNullable(env.get("RAP_CONFIG")).filter(s -> !s.isBlank()).map(Path::of));
    if (file.isPresent()) {
      Path p = file.get().toAbsolutePath();
      if (!Files.isReadable(p)) {
        return Future.failedFuture(
            new ConfigException(
                java.util.List.of("configuration file " + p + " does not exist or is not readable")));
      }
      options.addStore(yamlOrJson(p));
    }
    String configMap = env.get("KUBERNETES_CONFIGMAP");
    if (configMap != null && !configMap.isBlank()) {
      JsonObject cm = new JsonObject().put("name", configMap.strip()).put("optional", false);
      String ns = env.get("KUBERNETES_NAMESPACE");
      if (ns != null && !ns.isBlank()) {
        cm.put("namespace", ns.strip());
      }
      options.addStore(new ConfigStoreOptions().setType("configmap").setConfig(cm));
    }
    options.addStore(
        new ConfigStoreOptions()
            .setType("json")
            .setConfig(new JsonObject(Map.copyOf(env)).copy()));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever
        .getConfig()
        .map(json -> Settings.of(json.getMap()))
        .andThen(ar -> retriever.close());
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
    String format = name.endsWith(".json") ? "json" : name.endsWith(".properties") ? "properties" : "yaml";
    ConfigStoreOptions o = new ConfigStoreOptions().setType("file").setFormat(format);
    JsonObject c = new JsonObject().put("path", p.toString());
    if (format.equals("properties")) {
      c.put("raw-data", true);
    }
    return o.setConfig(c);
  }
}

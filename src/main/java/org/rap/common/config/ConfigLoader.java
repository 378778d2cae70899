package org.rap.common.config;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the layered configuration, lowest priority first: the role's defaults ({@code conf/*.yaml}
 * on the classpath), an optional file ({@code --config} or {@code RAP_CONFIG}: YAML, JSON,
 * properties or dotenv, see {@link ConfigFiles}), Kubernetes ConfigMaps/Secrets mounted as
 * directories ({@code RAP_CONFIG_DIRS}, comma separated, one file per key), then environment
 * variables. Keys are the reference's environment variable names throughout.
 *
 * <p>In any layer a secret may instead name a file, {@code <NAME>_FILE}, as container platforms
 * mount secrets (one trailing newline dropped; setting both is an error). Keys that are not ours
 * but look like ours are errors ({@link ConfigKeys#unknownKeyProblem}). Nothing here throws for a
 * bad source: every problem is collected into the returned {@link Settings}, which reports them all
 * at once.
 */
public final class ConfigLoader {
  /** Variables Kubernetes injects for each service of the namespace ("service links"). */
  private static final Pattern SERVICE_LINK =
      Pattern.compile(
          "[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT_\\d+_[A-Z]+(_[A-Z]+)?)");

  private ConfigLoader() {}

  public static Future<Settings> load(Vertx vertx, Role role, Optional<Path> configFile) {
    return load(vertx, role, configFile, System.getenv());
  }

  /** {@link #read} on a worker thread (it reads files). */
  public static Future<Settings> load(
      Vertx vertx, Role role, Optional<Path> configFile, Map<String, String> env) {
    return vertx.executeBlocking(() -> read(role, configFile, env), false);
  }

  /** Reads every layer for {@code role}; blocking. Problems are kept in the result. */
  public static Settings read(Role role, Optional<Path> configFile, Map<String, String> env) {
    List<ConfigLayer> layers = new ArrayList<>();
    for (String resource : role.defaultFiles()) {
      defaults(resource).ifPresent(layers::add);
    }
    Optional<Path> file =
        configFile.or(
            () ->
                Optional.ofNullable(env.get("RAP_CONFIG")).filter(s -> !s.isBlank()).map(Path::of));
    file.ifPresent(f -> layers.add(ConfigFiles.read(f.toAbsolutePath())));
    String dirs = env.get("RAP_CONFIG_DIRS");
    if (dirs != null && !dirs.isBlank()) {
      for (String d : dirs.split(",")) {
        if (!d.isBlank()) {
          layers.add(keyPerFile(Path.of(d.strip())));
        }
      }
    }
    ConfigLayer environment = ConfigLayer.empty("environment", false);
    env.forEach((k, v) -> environment.put(k, v, "environment"));
    layers.add(environment);

    Map<String, String> values = new LinkedHashMap<>();
    Map<String, String> origins = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (ConfigLayer layer : layers) {
      problems.addAll(layer.problems());
      SecretFiles.resolve(layer, role, problems);
      values.putAll(layer.values());
      origins.putAll(layer.origins());
    }
    List<String> backends = new Settings(values).list("BACKENDS", "test,tpp,emis,ted");
    for (ConfigLayer layer : layers) {
      for (Map.Entry<String, String> e : layer.values().entrySet()) {
        if (!layer.ownSource() && serviceLink(e.getKey(), e.getValue())) {
          continue;
        }
        KnownKeys.unknownKeyProblem(
                e.getKey(), backends, layer.ownSource(), layer.origins().get(e.getKey()))
            .ifPresent(problems::add);
      }
    }
    return new Settings(values, origins, problems);
  }

  private static boolean serviceLink(String key, String value) {
    return SERVICE_LINK.matcher(key).matches() || value.matches("(tcp|udp|sctp)://.*");
  }

  private static Optional<ConfigLayer> defaults(String resource) {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        return Optional.empty();
      }
      return Optional.of(
          ConfigFiles.yaml(
              resource + " (built in)", new String(in.readAllBytes(), StandardCharsets.UTF_8)));
    } catch (IOException e) {
      return Optional.of(ConfigLayer.failed(resource, "cannot read built-in " + resource));
    }
  }

  /**
   * A Kubernetes ConfigMap or Secret mounted as a volume: one file per key, the content is the
   * value (surrounding white space dropped). Hidden entries ({@code ..data} and friends) are
   * skipped.
   */
  static ConfigLayer keyPerFile(Path dir) {
    ConfigLayer layer = ConfigLayer.empty(dir.toString(), true);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        String name = f.getFileName().toString();
        if (!name.startsWith(".") && Files.isRegularFile(f)) {
          layer.put(name, Files.readString(f).strip(), f.toString());
        }
      }
    } catch (IOException | RuntimeException e) {
      return ConfigLayer.failed(
          dir.toString(),
          "RAP_CONFIG_DIRS: cannot read configuration directory " + dir + ": " + e.getMessage());
    }
    return layer;
  }
}

package org.rap.common.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.json.Json;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads a configuration file into a flat {@link ConfigLayer}, the format chosen by extension:
 * {@code .yaml}/{@code .yml}, {@code .json}, {@code .properties}, {@code .env}; any other name is
 * read as dotenv when its first setting line is {@code KEY=value}, else as YAML. Values are kept as
 * written (YAML scalars are not typed: {@code on} stays "on", {@code 012} stays "012"); a list
 * becomes a comma-separated value, a mapping its JSON. Problems name the file and line, never a
 * value.
 */
public final class ConfigFiles {
  enum Format {
    YAML,
    JSON,
    PROPERTIES,
    DOTENV
  }

  private static final Pattern DOTENV_LINE =
      Pattern.compile("^\\s*(export\\s+)?[A-Za-z_][A-Za-z0-9_]*\\s*=.*");
  private static final ObjectMapper JSON = new ObjectMapper();

  private ConfigFiles() {}

  /** Reads {@code file}; an unreadable file is a layer holding that one problem. */
  public static ConfigLayer read(Path file) {
    String name = file.toString();
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      return ConfigLayer.failed(
          name, "configuration file " + name + " does not exist or is not readable");
    }
    return parse(name, format(file.getFileName().toString(), text), text);
  }

  static Format format(String fileName, String text) {
    String lower = fileName.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".yaml") || lower.endsWith(".yml")) {
      return Format.YAML;
    }
    if (lower.endsWith(".json")) {
      return Format.JSON;
    }
    if (lower.endsWith(".properties")) {
      return Format.PROPERTIES;
    }
    if (lower.endsWith(".env") || lower.startsWith(".env")) {
      return Format.DOTENV;
    }
    for (String line : text.split("\r?\n")) {
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      if (t.startsWith("{")) {
        return Format.JSON;
      }
      return DOTENV_LINE.matcher(t).matches() ? Format.DOTENV : Format.YAML;
    }
    return Format.DOTENV;
  }

  static ConfigLayer parse(String name, Format format, String text) {
    return switch (format) {
      case YAML -> yaml(name, text);
      case JSON -> json(name, text);
      case PROPERTIES -> properties(name, text);
      case DOTENV -> DotEnv.parse(name, text);
    };
  }

  /** A YAML mapping of names to scalars, lists or (as JSON) mappings; line numbers per key. */
  static ConfigLayer yaml(String name, String text) {
    ConfigLayer layer = ConfigLayer.empty(name, true);
    LoadSettings settings = LoadSettings.builder().setLabel(name).build();
    Optional<Node> root;
    try {
      root = new Compose(settings).composeString(text);
    } catch (MarkedYamlEngineException e) {
      layer.problems().add(name + at(e.getProblemMark()) + ": " + e.getProblem());
      return layer;
    } catch (YamlEngineException e) {
      layer.problems().add(name + ": not valid YAML (" + firstLine(e.getMessage()) + ")");
      return layer;
    }
    if (root.isEmpty()) {
      return layer;
    }
    if (!(root.get() instanceof MappingNode map)) {
      layer
          .problems()
          .add(name + at(root.get().getStartMark()) + ": expected a mapping of KEY: value");
      return layer;
    }
    for (NodeTuple t : map.getValue()) {
      int line = t.getKeyNode().getStartMark().map(m -> m.getLine() + 1).orElse(0);
      if (!(t.getKeyNode() instanceof ScalarNode k)) {
        layer.problems().add(name + " line " + line + ": a key must be a plain name");
        continue;
      }
      String key = k.getValue();
      Optional<String> value =
          yamlValue(
              t.getValueNode(),
              () -> ((Map<?, ?>) new Load(settings).loadFromString(text)).get(key));
      if (value.isEmpty()) {
        layer
            .problems()
            .add(name + " line " + line + ": the value of " + key + " must be a scalar or a list");
        continue;
      }
      layer.putFromLine(key, value.get(), line);
    }
    return layer;
  }

  private static Optional<String> yamlValue(Node node, Supplier<Object> typed) {
    if (node instanceof ScalarNode s) {
      boolean plainNull =
          s.getScalarStyle() == ScalarStyle.PLAIN
              && List.of("~", "null", "Null", "NULL").contains(s.getValue());
      return Optional.of(plainNull ? "" : s.getValue());
    }
    if (node instanceof SequenceNode seq) {
      List<String> parts = new ArrayList<>();
      for (Node item : seq.getValue()) {
        if (!(item instanceof ScalarNode s)) {
          return Optional.empty();
        }
        parts.add(s.getValue());
      }
      return Optional.of(String.join(",", parts));
    }
    if (node instanceof MappingNode) {
      // e.g. WORKSPACE_EHRQL_MAX_JOIN_COUNT: {workspace: 3}, which the setting reads as JSON
      return Optional.of(Json.encode(typed.get()));
    }
    return Optional.empty();
  }

  private static String at(Optional<Mark> mark) {
    return mark.map(m -> " line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1))
        .orElse("");
  }

  /** A JSON object of names to scalars, arrays or (as JSON) objects; line numbers per key. */
  static ConfigLayer json(String name, String text) {
    ConfigLayer layer = ConfigLayer.empty(name, true);
    try (JsonParser p = JSON.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        layer.problems().add(name + at(p.currentTokenLocation()) + ": expected a JSON object");
        return layer;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        int line = p.currentTokenLocation().getLineNr();
        JsonToken v = p.nextToken();
        String value;
        if (v == JsonToken.START_ARRAY) {
          List<String> parts = new ArrayList<>();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken().isStructStart()) {
              p.skipChildren();
            }
            parts.add(p.getText());
          }
          value = String.join(",", parts);
        } else if (v == JsonToken.START_OBJECT) {
          value = JSON.readTree(p).toString();
        } else if (v == JsonToken.VALUE_NULL) {
          value = "";
        } else {
          value = p.getText();
        }
        layer.putFromLine(key, value, line);
      }
    } catch (JsonProcessingException e) {
      // Jackson quotes the offending token, which may be part of a secret: keep only its shape
      String why = firstLine(e.getOriginalMessage()).replaceAll("'[^']*'", "'...'");
      layer.problems().add(name + at(e.getLocation()) + ": not valid JSON (" + why + ")");
    } catch (IOException e) {
      layer.problems().add(name + ": not valid JSON");
    }
    return layer;
  }

  private static String at(JsonLocation loc) {
    return loc == null ? "" : " line " + loc.getLineNr() + ", column " + loc.getColumnNr();
  }

  /** Java properties; the line of each key is the first line that starts with it. */
  static ConfigLayer properties(String name, String text) {
    ConfigLayer layer = ConfigLayer.empty(name, true);
    Properties props = new Properties();
    try {
      props.load(new StringReader(text));
    } catch (IOException | IllegalArgumentException e) {
      layer.problems().add(name + ": not a valid properties file (" + e.getMessage() + ")");
      return layer;
    }
    String[] lines = text.split("\r?\n");
    for (String key : new TreeSet<>(props.stringPropertyNames())) {
      int line = 0;
      Pattern start =
          Pattern.compile(
              "^\\s*" + Pattern.quote(key) + "\\s*[=:\\s].*|^\\s*" + Pattern.quote(key) + "$");
      for (int i = 0; i < lines.length; i++) {
        if (start.matcher(lines[i]).matches()) {
          line = i + 1;
          break;
        }
      }
      layer.put(key, props.getProperty(key).strip(), name + (line > 0 ? " line " + line : ""));
    }
    return layer;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}

package org.rap.controller.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** Our OpenAPI documents ({@code openapi/*.yaml}, on the classpath) read as JSON. */
public final class ApiDocuments {
  private ApiDocuments() {}

  /** The document at {@code resource}, read and parsed on a worker thread. */
  public static Future<JsonObject> load(Vertx vertx, String resource) {
    return vertx.executeBlocking(() -> parseYaml(readResource(resource)));
  }

  /**
   * A copy of {@code document} whose only server is {@code absoluteUrl}: vertx-openapi rejects the
   * relative server URLs our documents declare. Routing uses the path below the host.
   */
  public static JsonObject withServer(JsonObject document, String absoluteUrl) {
    JsonObject patched = document.copy();
    patched.put("servers", new JsonArray().add(new JsonObject().put("url", absoluteUrl)));
    return patched;
  }

  static String readResource(String name) throws IOException {
    ClassLoader cl = ApiDocuments.class.getClassLoader();
    try (InputStream in = cl.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("Resource not found on the classpath: " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** YAML to JSON, with non-string keys (e.g. {@code 200:}) turned into strings. */
  public static JsonObject parseYaml(String yaml) {
    Object loaded = new Load(LoadSettings.builder().build()).loadFromString(yaml);
    if (!(loaded instanceof Map)) {
      throw new IllegalArgumentException("OpenAPI document is not a mapping");
    }
    return (JsonObject) toJson(loaded);
  }

  private static Object toJson(Object value) {
    if (value instanceof Map<?, ?> map) {
      JsonObject o = new JsonObject();
      map.forEach((k, v) -> o.put(String.valueOf(k), toJson(v)));
      return o;
    }
    if (value instanceof List<?> list) {
      JsonArray a = new JsonArray();
      list.forEach(v -> a.add(toJson(v)));
      return a;
    }
    return value;
  }
}

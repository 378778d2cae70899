package org.rap.controller.api.rap;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Our OpenAPI document ({@code openapi/rap-api.yaml}) as written (served at {@code spec.json}) and
 * as a vertx-openapi contract. vertx-openapi rejects the relative server URL the document declares,
 * so the contract is built from a copy with an absolute one.
 */
public final class RapContract {
  public static final String RESOURCE = "openapi/rap-api.yaml";

  /** Only used to satisfy vertx-openapi; routing uses the path below the host. */
  static final String ABSOLUTE_SERVER = "http://localhost/controller/v1/";

  private final JsonObject document;
  private final OpenAPIContract contract;

  private RapContract(JsonObject document, OpenAPIContract contract) {
    this.document = document;
    this.contract = contract;
  }

  public static Future<RapContract> load(Vertx vertx) {
    return vertx
        .executeBlocking(() -> parseYaml(readResource(RESOURCE)))
        .compose(
            doc -> {
              JsonObject patched = doc.copy();
              patched.put(
                  "servers", new JsonArray().add(new JsonObject().put("url", ABSOLUTE_SERVER)));
              return OpenAPIContract.from(vertx, patched).map(c -> new RapContract(doc, c));
            });
  }

  /** The document as written. */
  public JsonObject document() {
    return document;
  }

  public OpenAPIContract contract() {
    return contract;
  }

  static String readResource(String name) throws IOException {
    ClassLoader cl = RapContract.class.getClassLoader();
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

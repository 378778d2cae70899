package org.rap.common.json;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON text conversions for columns stored as JSON text. */
public final class Jsons {
  private Jsons() {}

  public static String text(Object value) {
    if (value instanceof JsonObject o) {
      return o.encode();
    }
    if (value instanceof JsonArray a) {
      return a.encode();
    }
    return Json.encode(value);
  }

  public static List<String> stringList(String text) {
    if (text == null || text.isBlank()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (Object o : new JsonArray(text)) {
      out.add(String.valueOf(o));
    }
    return out;
  }

  public static Map<String, Object> map(String text) {
    if (text == null || text.isBlank()) {
      return new LinkedHashMap<>();
    }
    return new JsonObject(text).getMap();
  }

  public static JsonObject object(String text) {
    return text == null || text.isBlank() ? null : new JsonObject(text);
  }

  @SuppressWarnings("unchecked")
  public static Map<String, Map<String, String>> outputSpec(String text) {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    map(text)
        .forEach(
            (level, outputs) -> {
              Map<String, String> m = new LinkedHashMap<>();
              Map<String, Object> raw =
                  outputs instanceof JsonObject jo ? jo.getMap() : (Map<String, Object>) outputs;
              raw.forEach((k, v) -> m.put(k, String.valueOf(v)));
              out.put(level, m);
            });
    return out;
  }

  @SuppressWarnings("unchecked")
  public static Map<String, String> stringMap(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    map(text).forEach((k, v) -> out.put(k, v == null ? null : String.valueOf(v)));
    return out;
  }
}

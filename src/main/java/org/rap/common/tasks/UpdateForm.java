package org.rap.common.tasks;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * How a {@link TaskUpdate} travels (docs/spec/task-api.md section 4): an {@code
 * application/x-www-form-urlencoded} body whose one field {@value #FIELD} holds the update as JSON
 * text. The controller also takes an {@code application/json} body: the update itself, or {@code
 * {"payload": "<JSON text>"}}.
 */
public final class UpdateForm {
  public static final String FIELD = "payload";
  public static final String CONTENT_TYPE = "application/x-www-form-urlencoded";

  private UpdateForm() {}

  /** A body the controller cannot read as an update (answered with 400). */
  public static final class Malformed extends Exception {
    public Malformed(String message) {
      super(message);
    }
  }

  /** The form body for {@code update}. */
  public static Buffer encode(TaskUpdate update) {
    return Buffer.buffer(
        FIELD + "=" + URLEncoder.encode(update.toPayload().encode(), StandardCharsets.UTF_8));
  }

  /**
   * The JSON value a request body carries: the form field {@value #FIELD} decoded, or a JSON body
   * (the field's text decoded when the body is {@code {"payload": "<text>"}} alone). Not checked
   * against the update's schema.
   */
  public static Object decode(String contentType, Buffer raw) throws Malformed {
    if (contentType != null
        && contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      if (raw == null || raw.length() == 0) {
        throw new Malformed("The request body is empty");
      }
      Object body;
      try {
        body = Json.decodeValue(raw);
      } catch (DecodeException e) {
        throw new Malformed("The request body is not valid JSON: " + e.getMessage());
      }
      if (!(body instanceof JsonObject object)) {
        throw new Malformed("The request body is not a JSON object");
      }
      return object.getValue(FIELD) instanceof String text && !object.containsKey("task_id")
          ? json(text)
          : object;
    }
    String text = field(raw == null ? "" : raw.toString(StandardCharsets.UTF_8), FIELD);
    if (text == null) {
      throw new Malformed("Missing form field '" + FIELD + "'");
    }
    return json(text);
  }

  /** One field of an {@code application/x-www-form-urlencoded} body, or null. */
  static String field(String body, String name) throws Malformed {
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      try {
        if (URLDecoder.decode(key, StandardCharsets.UTF_8).equals(name)) {
          return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        }
      } catch (IllegalArgumentException e) {
        throw new Malformed("The form body is not valid URL encoding: " + e.getMessage());
      }
    }
    return null;
  }

  private static Object json(String text) throws Malformed {
    try {
      return Json.decodeValue(text);
    } catch (DecodeException e) {
      throw new Malformed("'" + FIELD + "' is not valid JSON: " + e.getMessage());
    }
  }
}

package org.rap.controller.api.rap;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns vertx-openapi request validation failures into the reference's 400 details
 * (docs/spec/rap-api.md section 3), worded as Python's {@code jsonschema} words them: the most
 * relevant error (the one nearest the document root, as {@code best_match} picks it) with a {@code
 * $}-notation path.
 */
public final class ValidationMessages {
  public static final String UNPARSEABLE = "could not parse JSON from request body";
  private static final Set<String> AGGREGATE =
      Set.of(
          "properties",
          "items",
          "$ref",
          "allOf",
          "anyOf",
          "oneOf",
          "prefixItems",
          "additionalItems");
  private static final int MAX_REPR = 500;

  private final JsonObject document;

  public ValidationMessages(JsonObject document) {
    this.document = document;
  }

  /** The details text for a validation failure of the body of {@code bodySchema}. */
  public String details(Throwable failure, JsonObject bodySchema, Object body) {
    if (!(failure instanceof SchemaValidationException sve) || sve.getOutputUnit() == null) {
      return UNPARSEABLE;
    }
    return details(sve.getOutputUnit(), bodySchema, body);
  }

  /** The details text for a failed validation result of the body of {@code bodySchema}. */
  public String details(OutputUnit result, JsonObject bodySchema, Object body) {
    List<OutputUnit> leaves = new ArrayList<>();
    collect(result, leaves);
    if (leaves.isEmpty()) {
      return "Invalid request body received: "
          + (result.getError() == null ? "invalid body" : stripReason(result.getError()));
    }
    List<OutputUnit> specific =
        leaves.stream().filter(u -> !AGGREGATE.contains(keyword(u))).toList();
    List<OutputUnit> pool = specific.isEmpty() ? leaves : specific;
    OutputUnit best =
        pool.stream()
            .min(Comparator.comparingInt(u -> segments(u.getInstanceLocation()).size()))
            .orElseThrow();
    List<String> path = segments(best.getInstanceLocation());
    Object value = at(body, path);
    String message = message(best, bodySchema, value);
    if (path.isEmpty()) {
      return "Invalid request body received: " + message;
    }
    return "Invalid request body received at " + jsonPath(path, body) + ": " + message;
  }

  /** Whether a failure is one of vertx-openapi's request validation failures. */
  public static boolean isValidation(Throwable t) {
    return t instanceof ValidatorException;
  }

  private static void collect(OutputUnit unit, List<OutputUnit> out) {
    List<OutputUnit> errors = unit.getErrors();
    if (errors == null || errors.isEmpty()) {
      if (unit.getError() != null && unit.getKeywordLocation() != null) {
        out.add(unit);
      }
      return;
    }
    for (OutputUnit e : errors) {
      collect(e, out);
    }
  }

  private String message(OutputUnit unit, JsonObject root, Object value) {
    String kw = keyword(unit);
    JsonObject schema = schemaAt(root, unit.getKeywordLocation());
    String error = unit.getError() == null ? "" : unit.getError();
    switch (kw) {
      case "required":
        {
          // Python reports the first missing name in the schema's order
          if (schema != null
              && schema.getValue("required") instanceof JsonArray req
              && value instanceof JsonObject obj) {
            for (Object name : req) {
              if (name instanceof String n && !obj.containsKey(n)) {
                return repr(n) + " is a required property";
              }
            }
          }
          int q1 = error.indexOf('"');
          int q2 = error.lastIndexOf('"');
          String name = q1 >= 0 && q2 > q1 ? error.substring(q1 + 1, q2) : error;
          return repr(name) + " is a required property";
        }
      case "type":
        {
          Object t = schema == null ? null : schema.getValue("type");
          List<String> types = new ArrayList<>();
          if (t instanceof JsonArray a) {
            a.forEach(x -> types.add(repr(String.valueOf(x))));
          } else if (t != null) {
            types.add(repr(String.valueOf(t)));
          }
          return repr(value) + " is not of type " + String.join(", ", types);
        }
      case "pattern":
        return repr(value)
            + " does not match "
            + repr(schema == null ? "?" : schema.getString("pattern"));
      case "enum":
        return repr(value)
            + " is not one of "
            + repr(schema == null ? new JsonArray() : schema.getJsonArray("enum"));
      case "minItems":
        {
          int min = schema == null ? 1 : schema.getInteger("minItems", 1);
          return repr(value) + (min == 1 ? " should be non-empty" : " is too short");
        }
      case "maxItems":
        return repr(value) + " is too long";
      case "minLength":
        return repr(value) + " is too short";
      case "maxLength":
        {
          // jsonschema's words, with the limit, and only the start of what may be a huge value
          String r = repr(value);
          int max = schema == null ? -1 : schema.getInteger("maxLength", -1);
          return (r.length() > 60 ? r.substring(0, 60) + "..." : r)
              + " is too long"
              + (max < 0 ? "" : " (at most " + max + " characters)");
        }
      case "additionalProperties":
        return "Additional properties are not allowed (" + error + ")";
      default:
        return error;
    }
  }

  private static String keyword(OutputUnit u) {
    List<String> s = segments(u.getKeywordLocation());
    return s.isEmpty() ? "" : s.get(s.size() - 1);
  }

  /** The schema object holding the failing keyword, following {@code $ref}s in our document. */
  private JsonObject schemaAt(JsonObject root, String keywordLocation) {
    List<String> segs = segments(keywordLocation);
    if (segs.isEmpty()) {
      return root;
    }
    Object node = root;
    for (int i = 0; i < segs.size() - 1; i++) {
      String seg = segs.get(i);
      if (seg.equals("$ref")) {
        node = resolveRef(node);
      } else {
        Object c = child(node, seg);
        node = c != null ? c : child(resolveRef(node), seg);
      }
      if (node == null) {
        return null;
      }
    }
    String keyword = segs.get(segs.size() - 1);
    if (node instanceof JsonObject o && !o.containsKey(keyword)) {
      node = resolveRef(node);
    }
    return node instanceof JsonObject o ? o : null;
  }

  private Object resolveRef(Object node) {
    if (node instanceof JsonObject o
        && o.getValue("$ref") instanceof String ref
        && ref.startsWith("#/")) {
      return pointer(document, ref.substring(1));
    }
    return node;
  }

  private static Object pointer(Object root, String pointer) {
    Object node = root;
    for (String s : segments(pointer)) {
      node = child(node, s);
      if (node == null) {
        return null;
      }
    }
    return node;
  }

  private static Object child(Object node, String seg) {
    if (node instanceof JsonObject o) {
      return o.getValue(seg);
    }
    if (node instanceof JsonArray a) {
      try {
        int i = Integer.parseInt(seg);
        return i >= 0 && i < a.size() ? a.getValue(i) : null;
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  static List<String> segments(String location) {
    List<String> out = new ArrayList<>();
    if (location == null) {
      return out;
    }
    String s = location.startsWith("#") ? location.substring(1) : location;
    for (String part : s.split("/")) {
      if (!part.isEmpty()) {
        out.add(part.replace("~1", "/").replace("~0", "~"));
      }
    }
    return out;
  }

  private static Object at(Object body, List<String> path) {
    Object node = body;
    for (String s : path) {
      node = child(node, s);
    }
    return node;
  }

  /** Python jsonschema's {@code json_path}: {@code $.a.b[0]}. */
  private static String jsonPath(List<String> path, Object body) {
    StringBuilder sb = new StringBuilder("$");
    Object node = body;
    for (String s : path) {
      if (node instanceof JsonArray) {
        sb.append('[').append(s).append(']');
      } else {
        sb.append('.').append(s);
      }
      node = child(node, s);
    }
    return sb.toString();
  }

  private static String stripReason(String message) {
    if (message == null) {
      return "invalid body";
    }
    int i = message.indexOf("Reason: ");
    return i >= 0 ? message.substring(i + 8) : message;
  }

  /** Python's {@code repr} of a JSON value, bounded in length. */
  static String repr(Object value) {
    String r = reprOf(value);
    return r.length() > MAX_REPR ? r.substring(0, MAX_REPR) + "..." : r;
  }

  private static String reprOf(Object value) {
    if (value == null) {
      return "None";
    }
    if (value instanceof Boolean b) {
      return b ? "True" : "False";
    }
    if (value instanceof String s) {
      return pyString(s);
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isNaN(d)) {
        return "nan";
      }
      if (d == Math.rint(d) && Math.abs(d) < 1e16) {
        return String.valueOf((long) d) + ".0";
      }
      return String.valueOf(d);
    }
    if (value instanceof Number n) {
      return n.toString();
    }
    if (value instanceof JsonArray a) {
      List<String> items = new ArrayList<>();
      a.forEach(x -> items.add(reprOf(x)));
      return "[" + String.join(", ", items) + "]";
    }
    if (value instanceof List<?> l) {
      return reprOf(new JsonArray(new ArrayList<>(l)));
    }
    if (value instanceof JsonObject o) {
      List<String> items = new ArrayList<>();
      for (Map.Entry<String, Object> e : o) {
        items.add(pyString(e.getKey()) + ": " + reprOf(e.getValue()));
      }
      return "{" + String.join(", ", items) + "}";
    }
    if (value instanceof Map<?, ?> m) {
      @SuppressWarnings("unchecked")
      Map<String, Object> sm = (Map<String, Object>) m;
      return reprOf(new JsonObject(sm));
    }
    return String.valueOf(value);
  }

  private static String pyString(String s) {
    char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    StringBuilder sb = new StringBuilder().append(quote);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == quote || c == '\\') {
        sb.append('\\').append(c);
      } else if (c == '\n') {
        sb.append("\\n");
      } else if (c == '\r') {
        sb.append("\\r");
      } else if (c == '\t') {
        sb.append("\\t");
      } else if (c < 0x20 || c == 0x7f) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append(quote).toString();
  }
}

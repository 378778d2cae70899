package org.rap.common.pipeline;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.Collection;
import java.util.Map;

/**
 * Python's {@code json.dumps(value)} with default settings ({@code ", "} and {@code ": "}
 * separators, non-ASCII escaped, floats as {@code repr}): the reference renders an action's {@code
 * config} this way before appending it to the run command (docs/spec/scheduling.md section 6.6).
 */
public final class PythonJson {
  private PythonJson() {}

  /** Renders a value built from maps, lists, strings, numbers, booleans and nulls. */
  public static String dumps(Object value) {
    StringBuilder sb = new StringBuilder();
    write(value, sb, 0);
    return sb.toString();
  }

  /** Longest rendering produced (YAML aliases can make a config exponentially large). */
  public static final int MAX_LENGTH = 10_000_000;

  private static void write(Object v, StringBuilder sb, int depth) {
    if (depth > 500) {
      throw new IllegalArgumentException("value nested too deeply");
    }
    if (sb.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("value too large to render as JSON");
    }
    if (v == null) {
      sb.append("null");
    } else if (v instanceof String s) {
      string(s, sb);
    } else if (v instanceof Boolean b) {
      sb.append(b ? "true" : "false");
    } else if (v instanceof Double d) {
      sb.append(floatRepr(d));
    } else if (v instanceof Float f) {
      write(f.doubleValue(), sb, depth);
    } else if (v instanceof BigDecimal d) {
      write(d.doubleValue(), sb, depth);
    } else if (v instanceof JsonObject o) {
      write(o.getMap(), sb, depth);
    } else if (v instanceof JsonArray a) {
      write(a.getList(), sb, depth);
    } else if (v instanceof Number n) {
      sb.append(n);
    } else if (v instanceof Map<?, ?> m) {
      sb.append('{');
      int i = 0;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (i++ > 0) {
          sb.append(", ");
        }
        string(key(e.getKey()), sb);
        sb.append(": ");
        write(e.getValue(), sb, depth + 1);
      }
      sb.append('}');
    } else if (v instanceof Collection<?> l) {
      sb.append('[');
      int i = 0;
      for (Object o : l) {
        if (i++ > 0) {
          sb.append(", ");
        }
        write(o, sb, depth + 1);
      }
      sb.append(']');
    } else {
      string(String.valueOf(v), sb);
    }
  }

  /** Python's {@code repr(float)}: shortest digits, fixed notation for exponents -4..15. */
  public static String floatRepr(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    return PyText.floatRepr(d);
  }

  /** Python converts non-string keys: numbers as their text, booleans and None as JSON words. */
  private static String key(Object k) {
    if (k == null) {
      return "null";
    }
    if (k instanceof Boolean b) {
      return b ? "true" : "false";
    }
    if (k instanceof Double || k instanceof Float || k instanceof BigDecimal) {
      return floatRepr(((Number) k).doubleValue());
    }
    return String.valueOf(k);
  }

  private static void string(String s, StringBuilder sb) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}

package org.rap.controller.planning;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;

/**
 * JSON text exactly as Python's {@code json.dumps} writes it with default arguments: {@code ", "}
 * and {@code ": "} separators, keys in mapping order, non-ASCII (and control) characters escaped
 * as lower-case {@code \}{@code uXXXX} (surrogate pairs beyond the BMP), floats as Python's {@code
 * repr}. The reference builds the {@code --config} argument this way (scheduling.md section 6.6).
 */
final class PythonJson {
  private PythonJson() {}

  static String dumps(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value);
    return out.toString();
  }

  private static void write(StringBuilder out, Object v) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (v instanceof String s) {
      string(out, s);
    } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte
        || v instanceof BigInteger) {
      out.append(v);
    } else if (v instanceof Double || v instanceof Float) {
      out.append(floatRepr(((Number) v).doubleValue()));
    } else if (v instanceof BigDecimal d) {
      out.append(floatRepr(d.doubleValue()));
    } else if (v instanceof JsonObject o) {
      write(out, o.getMap());
    } else if (v instanceof JsonArray a) {
      write(out, a.getList());
    } else if (v instanceof Map<?, ?> m) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          out.append(", ");
        }
        first = false;
        string(out, key(e.getKey()));
        out.append(": ");
        write(out, e.getValue());
      }
      out.append('}');
    } else if (v instanceof Collection<?> c) {
      out.append('[');
      boolean first = true;
      for (Object item : c) {
        if (!first) {
          out.append(", ");
        }
        first = false;
        write(out, item);
      }
      out.append(']');
    } else if (v instanceof Object[] arr) {
      write(out, java.util.Arrays.asList(arr));
    } else {
      string(out, String.valueOf(v));
    }
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

  private static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  /** Python's {@code repr(float)}: shortest digits, fixed notation for exponents -4..15. */
  static String floatRepr(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == 0) {
      return (1 / d < 0) ? "-0.0" : "0.0";
    }
    BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
    String digits = bd.unscaledValue().toString();
    int exp = digits.length() - 1 - bd.scale(); // decimal exponent of the first digit
    StringBuilder out = new StringBuilder(d < 0 ? "-" : "");
    if (exp >= -4 && exp < 16) {
      if (exp >= 0) {
        if (digits.length() <= exp + 1) {
          out.append(digits).append("0".repeat(exp + 1 - digits.length())).append(".0");
        } else {
          out.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, digits.length());
        }
      } else {
        out.append("0.").append("0".repeat(-exp - 1)).append(digits);
      }
    } else {
      out.append(digits.charAt(0));
      if (digits.length() > 1) {
        out.append('.').append(digits, 1, digits.length());
      }
      out.append('e').append(exp < 0 ? '-' : '+');
      int a = Math.abs(exp);
      out.append(a < 10 ? "0" + a : Integer.toString(a));
    }
    return out.toString();
  }
}

package org.rap.common.pipeline;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An action's {@code config} as {@link Action#config()} holds it: JSON-ready values. */
final class ActionConfig {
  private ActionConfig() {}

  /** Converts a YAML value for {@link Action#config()}: keys as json.dumps renders them. */
  static Object jsonSafe(Object v, int depth, Map<Object, Object> done) {
    if (depth > 200) {
      return null;
    }
    if ((v instanceof Map || v instanceof List) && done.containsKey(v)) {
      return done.get(v); // an alias: share the converted value (null while converting it)
    }
    if (v instanceof Map<?, ?> m) {
      done.put(v, null);
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        out.put(jsonKey(e.getKey()), jsonSafe(e.getValue(), depth + 1, done));
      }
      Object result = Collections.unmodifiableMap(out);
      done.put(v, result);
      return result;
    }
    if (v instanceof List<?> l) {
      done.put(v, null);
      List<Object> out = new ArrayList<>(l.size());
      for (Object o : l) {
        out.add(jsonSafe(o, depth + 1, done));
      }
      Object result = Collections.unmodifiableList(out);
      done.put(v, result);
      return result;
    }
    if (v instanceof BigInteger i) {
      return i.bitLength() < 64 ? (Object) i.longValue() : i;
    }
    if (v instanceof PyText.Timestamp || v instanceof PyText.Tagged) {
      return PyText.str(v);
    }
    if (v instanceof PyText.Tuple t) {
      return jsonSafe(t.items(), depth, done);
    }
    return v;
  }

  private static String jsonKey(Object k) {
    if (k instanceof String s) {
      return s;
    }
    if (k == null) {
      return "null";
    }
    if (k instanceof Boolean b) {
      return b ? "true" : "false";
    }
    if (k instanceof Double d) {
      return d.isNaN()
          ? "NaN"
          : d.isInfinite() ? (d > 0 ? "Infinity" : "-Infinity") : PyText.floatRepr(d);
    }
    return PyText.str(k);
  }
}

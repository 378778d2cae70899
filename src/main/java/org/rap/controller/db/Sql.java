package org.rap.controller.db;

import java.util.Collection;
import java.util.Map;
import java.util.StringJoiner;

/** Small SQL-building helpers for SqlTemplate ({@code #{name}} placeholders, portable). */
final class Sql {
  private Sql() {}

  /**
   * {@code (#{p0}, #{p1}, ...)} for {@code IN} lists, adding the values to {@code params}. An empty
   * collection yields {@code (NULL)}, which matches nothing.
   */
  static String in(String prefix, Collection<?> values, Map<String, Object> params) {
    if (values.isEmpty()) {
      return "(NULL)";
    }
    StringJoiner j = new StringJoiner(", ", "(", ")");
    int i = 0;
    for (Object v : values) {
      String name = prefix + i++;
      params.put(name, v);
      j.add("#{" + name + "}");
    }
    return j.toString();
  }
}

package org.rap.common.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One source of settings (built-in defaults, a file, a directory, the environment): its values,
 * where each came from, and the problems found reading it.
 *
 * @param ownSource whether only RAP reads this source (files and directories given to it), so any
 *     key in it that looks like ours must be one of ours; the shared environment is held to less
 */
record ConfigLayer(
    String name,
    boolean ownSource,
    Map<String, String> values,
    Map<String, String> origins,
    List<String> problems,
    Map<String, Integer> lines) {

  static ConfigLayer empty(String name, boolean ownSource) {
    return new ConfigLayer(
        name,
        ownSource,
        new LinkedHashMap<>(),
        new LinkedHashMap<>(),
        new ArrayList<>(),
        new LinkedHashMap<>());
  }

  /** A layer whose only content is a problem (an unreadable file). */
  static ConfigLayer failed(String name, String problem) {
    ConfigLayer l = empty(name, true);
    l.problems().add(problem);
    return l;
  }

  void put(String key, String value, String origin) {
    values.put(key, value);
    origins.put(key, origin);
  }

  /** A value read from line {@code line} of this file; a key set twice is a problem. */
  void putFromLine(String key, String value, int line) {
    Integer first = lines.putIfAbsent(key, line);
    if (first != null) {
      problems.add(name + " line " + line + ": " + key + " is already set on line " + first);
      return;
    }
    put(key, value, name + " line " + line);
  }
}

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
    List<String> problems) {

  static ConfigLayer empty(String name, boolean ownSource) {
    return new ConfigLayer(
        name, ownSource, new LinkedHashMap<>(), new LinkedHashMap<>(), new ArrayList<>());
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
}

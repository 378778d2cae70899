package org.rap.controller.planning;

import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The {@code analysis_scope} of database jobs (docs/spec/scheduling.md section 6.5). */
final class AnalysisScopes {
  /** Projects whose ehrQL jobs get {@code event_level_data} component access (hard-coded). */
  static final Set<String> PROJECTS_WITH_EHRQL_EVENT_LEVEL_ACCESS =
      Set.of("echo-evaluation-of-covid-19-vaccine-histories-using-opensafely");

  private AnalysisScopes() {}

  /**
   * The request's scope (null → {}), with {@code dataset_permissions} always present and sorted,
   * and {@code event_level_data} added to {@code component_access} for the listed projects. Other
   * keys are kept as sent, in their order.
   */
  static Map<String, Object> forDatabaseJob(Map<String, Object> requested, String project) {
    Map<String, Object> scope = new LinkedHashMap<>(requested == null ? Map.of() : requested);
    scope.put("dataset_permissions", sorted(scope.get("dataset_permissions")));
    if (project != null && PROJECTS_WITH_EHRQL_EVENT_LEVEL_ACCESS.contains(project)) {
      TreeSet<String> access = new TreeSet<>(strings(scope.get("component_access")));
      access.add("event_level_data");
      scope.put("component_access", new ArrayList<>(access));
    }
    return scope;
  }

  private static List<String> sorted(Object value) {
    List<String> out = new ArrayList<>(strings(value));
    out.sort(null);
    return out;
  }

  private static List<String> strings(Object value) {
    List<String> out = new ArrayList<>();
    if (value instanceof Collection<?> c) {
      for (Object o : c) {
        out.add(String.valueOf(o));
      }
    } else if (value instanceof JsonArray a) {
      for (Object o : a) {
        out.add(String.valueOf(o));
      }
    }
    return out;
  }
}

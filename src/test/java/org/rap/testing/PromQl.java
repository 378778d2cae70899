package org.rap.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Reads the shipped observability assets (deploy/observability) and names the metrics their PromQL
 * expressions use, without a PromQL engine: strings, label matchers, ranges, grouping clauses and
 * dashboard variables are removed, then every identifier that is not a function call or keyword is
 * a metric name.
 */
public final class PromQl {
  public static final Path DASHBOARD = Path.of("deploy/observability/grafana-dashboard.json");
  public static final Path ALERTS = Path.of("deploy/observability/prometheus-alerts.yaml");

  private static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "bool",
          "offset",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "inf",
          "nan",
          "atan2");
  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'");
  private static final Pattern BRACES = Pattern.compile("\\{[^}]*\\}");
  private static final Pattern BRACKETS = Pattern.compile("\\[[^\\]]*\\]");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{[^}]*\\}|\\$\\w+");
  private static final Pattern IDENTIFIER =
      Pattern.compile("(?<![\\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");

  private PromQl() {}

  /** The metric names an expression reads. */
  public static Set<String> metricNames(String expr) {
    String e = STRING.matcher(expr).replaceAll(" ");
    e = VARIABLE.matcher(e).replaceAll(" ");
    e = BRACES.matcher(e).replaceAll(" ");
    e = BRACKETS.matcher(e).replaceAll(" ");
    e = GROUPING.matcher(e).replaceAll(" ");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(e);
    while (m.find()) {
      String id = m.group(1);
      if (m.group(2) == null && !KEYWORDS.contains(id.toLowerCase())) {
        names.add(id);
      }
    }
    return names;
  }

  /** Every {@code expr} of the dashboard's panels (rows included). */
  public static List<String> dashboardQueries() throws IOException {
    JsonObject d = new JsonObject(Files.readString(DASHBOARD));
    List<String> out = new ArrayList<>();
    collect(d.getJsonArray("panels"), out);
    return out;
  }

  private static void collect(JsonArray panels, List<String> out) {
    for (Object o : panels) {
      JsonObject p = (JsonObject) o;
      for (Object t : p.getJsonArray("targets", new JsonArray())) {
        out.add(((JsonObject) t).getString("expr"));
      }
      collect(p.getJsonArray("panels", new JsonArray()), out);
    }
  }

  /** Alert name to expression, from the rule file. */
  @SuppressWarnings("unchecked")
  public static Map<String, String> alerts() throws IOException {
    Object doc = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(ALERTS));
    Map<String, String> out = new LinkedHashMap<>();
    for (Object g : (List<Object>) ((Map<String, Object>) doc).get("groups")) {
      for (Object r : (List<Object>) ((Map<String, Object>) g).get("rules")) {
        Map<String, Object> rule = (Map<String, Object>) r;
        out.put(String.valueOf(rule.get("alert")), String.valueOf(rule.get("expr")));
      }
    }
    return out;
  }

  /** Every metric name the dashboard and the alerts use. */
  public static Set<String> assetMetricNames() throws IOException {
    Set<String> names = new TreeSet<>();
    dashboardQueries().forEach(q -> names.addAll(metricNames(q)));
    alerts().values().forEach(q -> names.addAll(metricNames(q)));
    return names;
  }

  /** The metric names of a Prometheus text exposition (with their _bucket/_count/_sum series). */
  public static Set<String> exposed(String scrape) {
    Set<String> names = new TreeSet<>();
    for (String line : scrape.lines().toList()) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int end = 0;
      while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
        end++;
      }
      names.add(line.substring(0, end));
    }
    return names;
  }
}

package org.rap.controller.api.rap;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * A self-contained HTML rendering of the OpenAPI document (no scripts, no external resources):
 * operations with their request and response schemas and examples, then every component schema.
 */
public final class ApiDocsPage {
  private ApiDocsPage() {}

  public static String render(JsonObject doc) {
    JsonObject info = doc.getJsonObject("info", new JsonObject());
    StringBuilder h = new StringBuilder(16_384);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>")
        .append(esc(info.getString("title", "API")))
        .append(" ")
        .append(esc(String.valueOf(info.getValue("version", ""))))
        .append("</title><style>")
        .append(
            "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}")
        .append("h2{border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2.5rem}")
        .append(".op{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}")
        .append(
            ".m{display:inline-block;min-width:3.5rem;text-align:center;font-weight:bold;color:#fff;border-radius:4px;padding:0 .4rem;margin-right:.5rem}")
        .append(
            ".get{background:#2f7d32}.post{background:#1565c0}.put,.patch{background:#ef6c00}.delete{background:#c62828}")
        .append(
            "pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;border-radius:4px;font-size:.85rem}")
        .append(
            "code{background:#f1f1f1;padding:0 .2rem}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}")
        .append("</style></head><body>\n");
    h.append("<h1>")
        .append(esc(info.getString("title", "API")))
        .append(" <small>")
        .append(esc(String.valueOf(info.getValue("version", ""))))
        .append("</small></h1>\n");
    para(h, info.getString("description"));
    para(h, info.getString("summary"));
    JsonArray servers = doc.getJsonArray("servers", new JsonArray());
    if (!servers.isEmpty()) {
      h.append("<p>Base URL: <code>")
          .append(esc(servers.getJsonObject(0).getString("url", "/")))
          .append("</code>. ");
      h.append("Machine-readable document: <a href=\"../spec.json\">spec.json</a>.</p>\n");
    }
    JsonObject schemes =
        doc.getJsonObject("components", new JsonObject())
            .getJsonObject("securitySchemes", new JsonObject());
    if (!schemes.isEmpty()) {
      h.append("<h2>Authentication</h2>\n");
      for (Map.Entry<String, Object> e : schemes) {
        JsonObject s = (JsonObject) e.getValue();
        h.append("<p><b>")
            .append(esc(e.getKey()))
            .append("</b>: ")
            .append(esc(s.getString("type", "")));
        if (s.containsKey("in")) {
          h.append(" in ")
              .append(esc(s.getString("in")))
              .append(" <code>")
              .append(esc(s.getString("name", "")))
              .append("</code>");
        }
        h.append(". ").append(esc(s.getString("description", ""))).append("</p>\n");
      }
    }
    h.append("<h2>Endpoints</h2>\n<ul>");
    JsonObject paths = doc.getJsonObject("paths", new JsonObject());
    for (Map.Entry<String, Object> p : paths) {
      for (Map.Entry<String, Object> m : (JsonObject) p.getValue()) {
        JsonObject op = (JsonObject) m.getValue();
        String id = op.getString("operationId", m.getKey() + p.getKey());
        h.append("<li><a href=\"#")
            .append(esc(id))
            .append("\"><code>")
            .append(esc(m.getKey().toUpperCase()))
            .append(" ")
            .append(esc(p.getKey()))
            .append("</code></a> ")
            .append(esc(op.getString("summary", "")))
            .append("</li>");
      }
    }
    h.append("</ul>\n");
    for (Map.Entry<String, Object> p : paths) {
      for (Map.Entry<String, Object> m : (JsonObject) p.getValue()) {
        operation(h, doc, p.getKey(), m.getKey(), (JsonObject) m.getValue());
      }
    }
    h.append("<h2>Schemas</h2>\n");
    JsonObject schemas =
        doc.getJsonObject("components", new JsonObject())
            .getJsonObject("schemas", new JsonObject());
    for (Map.Entry<String, Object> s : schemas) {
      h.append("<h3 id=\"schema-")
          .append(esc(s.getKey()))
          .append("\">")
          .append(esc(s.getKey()))
          .append("</h3>\n");
      schemaTable(h, (JsonObject) s.getValue());
      h.append("<pre>")
          .append(esc(((JsonObject) s.getValue()).encodePrettily()))
          .append("</pre>\n");
    }
    h.append("</body></html>\n");
    return h.toString();
  }

  private static void operation(
      StringBuilder h, JsonObject doc, String path, String method, JsonObject op) {
    String id = op.getString("operationId", method + path);
    h.append("<div class=\"op\" id=\"")
        .append(esc(id))
        .append("\"><h3><span class=\"m ")
        .append(esc(method))
        .append("\">")
        .append(esc(method.toUpperCase()))
        .append("</span><code>")
        .append(esc(path))
        .append("</code></h3>\n");
    para(h, op.getString("summary"));
    para(h, op.getString("description"));
    h.append("<p>Operation id: <code>").append(esc(id)).append("</code></p>\n");
    JsonObject body = op.getJsonObject("requestBody");
    if (body != null) {
      h.append("<h4>Request body")
          .append(body.getBoolean("required", false) ? " (required)" : "")
          .append("</h4>\n");
      content(h, body.getJsonObject("content", new JsonObject()));
    }
    h.append("<h4>Responses</h4>\n");
    for (Map.Entry<String, Object> r : op.getJsonObject("responses", new JsonObject())) {
      JsonObject resp = (JsonObject) r.getValue();
      h.append("<p><b>").append(esc(r.getKey())).append("</b> ");
      if (resp.containsKey("$ref")) {
        String name = last(resp.getString("$ref"));
        JsonObject shared =
            doc.getJsonObject("components", new JsonObject())
                .getJsonObject("responses", new JsonObject())
                .getJsonObject(name);
        if (shared == null) {
          h.append("(").append(esc(name)).append(")</p>\n");
          continue;
        }
        resp = shared;
      }
      h.append(esc(resp.getString("description", ""))).append("</p>\n");
      content(h, resp.getJsonObject("content", new JsonObject()));
    }
    h.append("</div>\n");
  }

  private static void content(StringBuilder h, JsonObject content) {
    for (Map.Entry<String, Object> c : content) {
      JsonObject media = (JsonObject) c.getValue();
      JsonObject schema = media.getJsonObject("schema", new JsonObject());
      h.append("<p><code>").append(esc(c.getKey())).append("</code> schema: ");
      if (schema.containsKey("$ref")) {
        String name = last(schema.getString("$ref"));
        h.append("<a href=\"#schema-")
            .append(esc(name))
            .append("\">")
            .append(esc(name))
            .append("</a></p>\n");
      } else {
        h.append("</p><pre>").append(esc(schema.encodePrettily())).append("</pre>\n");
      }
      for (Map.Entry<String, Object> ex : media.getJsonObject("examples", new JsonObject())) {
        JsonObject e = (JsonObject) ex.getValue();
        h.append("<p>Example <i>").append(esc(ex.getKey())).append("</i>");
        if (e.getString("summary") != null) {
          h.append(": ").append(esc(e.getString("summary")));
        }
        h.append("</p><pre>").append(esc(pretty(e.getValue("value")))).append("</pre>\n");
      }
    }
  }

  private static void schemaTable(StringBuilder h, JsonObject schema) {
    JsonObject props = schema.getJsonObject("properties");
    if (props == null) {
      para(h, schema.getString("description"));
      return;
    }
    JsonArray required = schema.getJsonArray("required", new JsonArray());
    h.append("<table><tr><th>Field</th><th>Type</th><th>Required</th><th>Description</th></tr>\n");
    for (Map.Entry<String, Object> p : props) {
      JsonObject ps = (JsonObject) p.getValue();
      String type;
      if (ps.containsKey("$ref")) {
        String name = last(ps.getString("$ref"));
        type = "<a href=\"#schema-" + esc(name) + "\">" + esc(name) + "</a>";
      } else {
        type = esc(String.valueOf(ps.getValue("type", "")));
        if (ps.containsKey("pattern")) {
          type += " matching <code>" + esc(ps.getString("pattern")) + "</code>";
        }
        if (ps.containsKey("enum")) {
          type += " one of <code>" + esc(ps.getJsonArray("enum").encode()) + "</code>";
        }
      }
      h.append("<tr><td><code>")
          .append(esc(p.getKey()))
          .append("</code></td><td>")
          .append(type)
          .append("</td><td>")
          .append(required.contains(p.getKey()) ? "yes" : "")
          .append("</td><td>")
          .append(esc(ps.getString("description", "")))
          .append("</td></tr>\n");
    }
    h.append("</table>\n");
  }

  private static String pretty(Object v) {
    if (v instanceof JsonObject o) {
      return o.encodePrettily();
    }
    if (v instanceof JsonArray a) {
      return a.encodePrettily();
    }
    return String.valueOf(v);
  }

  private static String last(String ref) {
    return ref.substring(ref.lastIndexOf('/') + 1);
  }

  private static void para(StringBuilder h, String text) {
    if (text != null && !text.isBlank()) {
      h.append("<p>").append(esc(text.strip())).append("</p>\n");
    }
  }

  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}

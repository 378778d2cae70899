package org.rap.controller.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rap.testing.TestDatabases;

/** The operator page's JSON and HTML over real HTTP, on both databases: content and the token. */
class OpsPageTest {
  @TempDir Path dir;

  static List<String> dialects() {
    return TestDatabases.dialects();
  }

  private static JsonObject find(JsonArray a, String key, String value) {
    for (int i = 0; i < a.size(); i++) {
      if (value.equals(a.getJsonObject(i).getString(key))) {
        return a.getJsonObject(i);
      }
    }
    throw new AssertionError("no " + key + "=" + value + " in " + a.encodePrettily());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void summaryShowsBackendsActiveJobsFailuresAndWorkerUse(String dialect) throws Exception {
    try (OpsFixture f = new OpsFixture(dialect, dir, OpsFixture.TOKEN).populate()) {
      HttpResponse<String> r =
          f.get("/ops/api/summary", "Authorization", "Bearer " + OpsFixture.TOKEN);
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
      JsonObject s = new JsonObject(r.body());

      JsonArray backends = s.getJsonArray("backends");
      assertEquals(
          List.of("test", "tpp"),
          backends.stream().map(b -> ((JsonObject) b).getString("backend")).toList());
      JsonObject test = find(backends, "backend", "test");
      assertTrue(test.getBoolean("paused"));
      assertFalse(test.getBoolean("db_maintenance"));
      long seen = test.getLong("last_seen_age_seconds");
      assertTrue(seen >= 4 && seen < 120, test.encode());
      assertTrue(
          test.getString("last_seen_at")
              .matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{6})?Z"),
          test.encode());
      JsonObject w = test.getJsonObject("workers");
      assertEquals(1, w.getInteger("running"));
      assertEquals(1.0, w.getDouble("used"));
      assertEquals(4.0, w.getDouble("max"));
      assertEquals(0, w.getInteger("running_db"));
      assertEquals(1.0, w.getDouble("max_db"));
      assertEquals(1L, test.getJsonObject("active_tasks").getLong("runjob"));
      JsonObject tpp = find(backends, "backend", "tpp");
      assertFalse(tpp.getBoolean("paused"));
      assertTrue(tpp.getBoolean("db_maintenance"));
      assertTrue(tpp.getBoolean("manual_db_maintenance"));
      assertNull(tpp.getValue("last_seen_at"));
      assertEquals(10.0, tpp.getJsonObject("workers").getDouble("max"));

      assertEquals(3L, s.getLong("active_total"));
      JsonArray groups = s.getJsonArray("active_by_state");
      assertEquals(3, groups.size(), groups.encode());
      JsonObject executing = find(groups, "status_code", "executing");
      assertEquals("running", executing.getString("state"));
      assertEquals(1L, executing.getLong("count"));
      assertTrue(executing.getLong("oldest_age_seconds") >= 600, executing.encode());
      assertEquals(
          "tpp", find(groups, "status_code", "waiting_db_maintenance").getString("backend"));

      JsonArray active = s.getJsonArray("active_jobs");
      assertEquals(3, active.size());
      assertEquals(f.running.id(), active.getJsonObject(0).getString("id"), "running first");
      JsonObject p = find(active, "id", f.pending.id());
      assertEquals("pending", p.getString("state"));
      assertEquals("generate", p.getString("action"));
      assertTrue(p.getLong("age_seconds") >= 120, p.encode());
      assertTrue(find(active, "id", f.dbPending.id()).getBoolean("requires_db"));

      JsonArray failures = s.getJsonArray("failures");
      assertEquals(1, failures.size());
      JsonObject failure = failures.getJsonObject(0);
      assertEquals(f.failed.id(), failure.getString("id"));
      assertEquals("nonzero_exit", failure.getString("status_code"));
      assertEquals(
          OpsFixture.NASTY, failure.getString("status_message"), "JSON carries the text as is");
    }
  }

  @Test
  void tokenIsRequiredAsHeaderOrQueryAndComparedExactly() throws Exception {
    try (OpsFixture f = new OpsFixture("sqlite", dir, OpsFixture.TOKEN)) {
      HttpResponse<String> none = f.get("/ops/api/summary");
      assertEquals(401, none.statusCode());
      assertEquals("Unauthorized", new JsonObject(none.body()).getString("error"));
      assertFalse(none.body().contains(OpsFixture.TOKEN));
      assertEquals(401, f.get("/ops/api/summary", "Authorization", "Bearer wrong").statusCode());
      assertEquals(
          401,
          f.get("/ops/api/summary", "Authorization", "Bearer " + OpsFixture.TOKEN + "x")
              .statusCode());
      assertEquals(
          401, f.get("/ops/api/summary?token=" + OpsFixture.TOKEN.substring(1)).statusCode());
      assertEquals(
          200,
          f.get("/ops/api/summary", "Authorization", "Bearer " + OpsFixture.TOKEN).statusCode());
      assertEquals(200, f.get("/ops/api/summary", "Authorization", OpsFixture.TOKEN).statusCode());
      assertEquals(200, f.get("/ops/api/summary?token=" + OpsFixture.TOKEN).statusCode());

      HttpResponse<String> login = f.get("/ops/");
      assertEquals(401, login.statusCode());
      assertTrue(login.body().contains("OPS_PAGE_TOKEN"), login.body());
      assertFalse(login.body().contains("id=\"backends\""));
      HttpResponse<String> page = f.get("/ops/?token=" + OpsFixture.TOKEN);
      assertEquals(200, page.statusCode());
      assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
      assertTrue(page.body().contains("<table id=\"backends\">"), page.body());
      String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
      String nonce = csp.replaceAll(".*script-src 'nonce-([^']+)'.*", "$1");
      assertTrue(page.body().contains("<script nonce=\"" + nonce + "\">"), csp);
      assertFalse(page.body().contains("{{nonce}}"));
      assertEquals("no-referrer", page.headers().firstValue("Referrer-Policy").orElse(""));
      assertEquals(200, f.get("/ops/", "Authorization", "Bearer " + OpsFixture.TOKEN).statusCode());
      HttpResponse<String> bare = f.get("/ops?token=" + OpsFixture.TOKEN);
      assertEquals(302, bare.statusCode());
      assertEquals(
          "/ops/?token=" + OpsFixture.TOKEN, bare.headers().firstValue("Location").orElse(""));
    }
  }

  @Test
  void withoutAConfiguredTokenThePageDoesNotExist() throws Exception {
    try (OpsFixture f = new OpsFixture("sqlite", dir, null)) {
      assertEquals(404, f.get("/ops/").statusCode());
      assertEquals(404, f.get("/ops/api/summary", "Authorization", "Bearer anything").statusCode());
      assertEquals(404, f.get("/ops/?token=").statusCode());
    }
  }
}

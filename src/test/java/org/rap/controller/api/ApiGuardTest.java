package org.rap.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rap.controller.api.rap.RapApiServer;

/** Allowed hosts and per-token rate limits on the RAP API and the task API, over real HTTP. */
class ApiGuardTest {
  private static final String AGENT = "agent-token-for-the-test-backend-0001";
  private RapApiServer server;

  @AfterEach
  void close() {
    if (server != null) {
      server.close();
    }
  }

  private HttpResponse<Buffer> call(
      HttpMethod method, String path, String host, String token, String body) {
    HttpRequest<Buffer> req = server.client.request(method, path);
    if (host != null) {
      req.virtualHost(host);
    }
    if (token != null) {
      req.putHeader("Authorization", token);
    }
    return (body == null ? req.send() : req.sendBuffer(Buffer.buffer(body))).await();
  }

  private static String status() {
    return new JsonObject().put("rap_ids", new JsonArray()).encode();
  }

  @Test
  void aHostNotAllowedGets400WithTheApisErrorBody() throws Exception {
    server =
        new RapApiServer(
            "sqlite",
            Map.of(
                "CONTROLLER_ALLOWED_HOSTS",
                "controller.example.org,127.0.0.1",
                "TEST_JOB_SERVER_TOKEN",
                AGENT));
    HttpResponse<Buffer> evil =
        call(HttpMethod.POST, "/controller/v1/rap/status/", "evil.example", "tok-test", status());
    assertEquals(400, evil.statusCode());
    assertEquals(
        new JsonObject()
            .put("error", "Bad request")
            .put("details", "Invalid Host header 'evil.example'"),
        evil.bodyAsJsonObject());
    assertEquals(
        400, call(HttpMethod.GET, "/test/tasks/", "evil.example", AGENT, null).statusCode());
    assertEquals(
        400,
        call(HttpMethod.POST, "/test/task/update/", "evil.example", AGENT, "payload=x")
            .statusCode());

    // allowed names, any port; health and metrics answer probes by address whatever the host
    assertEquals(
        200,
        call(
                HttpMethod.POST,
                "/controller/v1/rap/status/",
                "Controller.Example.org",
                "tok-test",
                status())
            .statusCode());
    assertEquals(
        200,
        call(HttpMethod.POST, "/controller/v1/rap/status/", null, "tok-test", status())
            .statusCode());
    assertEquals(200, call(HttpMethod.GET, "/test/tasks/", null, AGENT, null).statusCode());
    assertEquals(200, call(HttpMethod.GET, "/health/live", "10.1.2.3", null, null).statusCode());
  }

  @Test
  void eachTokenHasItsOwnRateAndIsToldWhenToComeBack() throws Exception {
    server =
        new RapApiServer(
            "sqlite",
            Map.of(
                "RAP_API_RATE_LIMIT", "3",
                "TASK_API_RATE_LIMIT", "2",
                "TEST_JOB_SERVER_TOKEN", AGENT));
    for (int i = 0; i < 3; i++) {
      assertEquals(
          200,
          call(HttpMethod.POST, "/controller/v1/rap/status/", null, "tok-test", status())
              .statusCode());
    }
    HttpResponse<Buffer> limited =
        call(HttpMethod.POST, "/controller/v1/rap/status/", null, "Bearer tok-test", status());
    assertEquals(429, limited.statusCode());
    assertEquals("20", limited.getHeader("Retry-After"), "3 a minute: one every 20 s");
    assertEquals("Too many requests", limited.bodyAsJsonObject().getString("error"));
    assertTrue(
        limited.bodyAsJsonObject().getString("details").contains("3 requests a minute"),
        limited.bodyAsString());
    // another token is not slowed down; a wrong token still gets the API's own 401
    assertEquals(
        200,
        call(HttpMethod.POST, "/controller/v1/rap/status/", null, "tok-tpp", status())
            .statusCode());
    HttpResponse<Buffer> wrong =
        call(HttpMethod.POST, "/controller/v1/rap/status/", null, "not-a-token", status());
    assertEquals(401, wrong.statusCode());
    assertNull(wrong.getHeader("Retry-After"));

    // the task API counts per agent token
    assertEquals(200, call(HttpMethod.GET, "/test/tasks/", null, AGENT, null).statusCode());
    assertEquals(200, call(HttpMethod.GET, "/test/tasks/", null, AGENT, null).statusCode());
    HttpResponse<Buffer> tasks = call(HttpMethod.GET, "/test/tasks/", null, AGENT, null);
    assertEquals(429, tasks.statusCode());
    assertEquals("30", tasks.getHeader("Retry-After"));
    assertEquals(401, call(HttpMethod.GET, "/test/tasks/", null, "wrong", null).statusCode());
  }

  @Test
  void zeroMeansUnlimited() throws Exception {
    server = new RapApiServer("sqlite", Map.of("RAP_API_RATE_LIMIT", "0"));
    for (int i = 0; i < 50; i++) {
      assertEquals(
          200,
          call(HttpMethod.POST, "/controller/v1/rap/status/", null, "tok-test", status())
              .statusCode());
    }
  }
}

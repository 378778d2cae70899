package org.rap.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.rap.controller.api.rap.RapApiServer;

/**
 * Request bodies above the configured limits get 413 with the error body on both APIs, whether
 * their size is declared or they are sent in chunks; names the agent could not file are refused by
 * the RAP API's contract with a message naming the limit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestLimitsTest {
  private static final String STATUS = "/controller/v1/rap/status/";
  private static final String CREATE = "/controller/v1/rap/create/";
  private static final String UPDATE = "/test/task/update/";
  private static final String RAP_ID = "abcdefgh23456789";

  private RapApiServer server;

  @BeforeAll
  void start() throws Exception {
    server =
        new RapApiServer(
            "sqlite",
            Map.of(
                "RAP_API_MAX_BODY_BYTES", "2048",
                "TASK_API_MAX_BODY_BYTES", "4096",
                "TEST_JOB_SERVER_TOKEN", "agent-token"));
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private static String statusBody(int ids) {
    return new JsonObject()
        .put("rap_ids", new JsonArray(Collections.nCopies(ids, RAP_ID)))
        .encode();
  }

  private HttpResponse<Buffer> post(String path, String token, String body) {
    return server
        .client
        .post(path)
        .putHeader("Authorization", token)
        .putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer(body))
        .await();
  }

  /** A body sent in 1 KiB chunks, without Content-Length. */
  private int postChunked(String path, String token, String body) {
    HttpClient http = server.vertx.createHttpClient();
    try {
      return http.request(
              new RequestOptions()
                  .setMethod(HttpMethod.POST)
                  .setHost("127.0.0.1")
                  .setPort(server.port)
                  .setURI(path)
                  .putHeader("Authorization", token)
                  .putHeader("Content-Type", "application/json"))
          .compose(
              req -> {
                req.setChunked(true);
                for (int i = 0; i < body.length(); i += 1024) {
                  req.write(body.substring(i, Math.min(body.length(), i + 1024)));
                }
                return req.send().map(HttpClientResponse::statusCode);
              })
          .otherwise(-1)
          .await();
    } finally {
      http.close().await();
    }
  }

  private static void assertTooLarge(HttpResponse<Buffer> r, long limit) {
    assertEquals(413, r.statusCode(), r.bodyAsString());
    assertEquals(
        new JsonObject()
            .put("error", "Request too large")
            .put("details", "The request body is larger than the limit of " + limit + " bytes"),
        r.bodyAsJsonObject());
  }

  @Test
  void rapApiBodiesAboveTheLimitGet413() {
    String big = statusBody(200); // about 3.8 KB
    assertTooLarge(post(STATUS, "tok-test", big), 2048);
    assertEquals(413, postChunked(STATUS, "tok-test", big));
    // the token is checked first; a body within the limit is answered
    assertEquals(401, post(STATUS, "nope", big).statusCode());
    String fits = statusBody(100); // about 1.9 KB
    assertTrue(fits.length() < 2048);
    assertEquals(200, post(STATUS, "tok-test", fits).statusCode());
    assertEquals(200, postChunked(STATUS, "tok-test", fits));
  }

  @Test
  void taskUpdatesAboveTheLimitGet413() {
    String big =
        new JsonObject()
            .put("task_id", "t1")
            .put("stage", "finalized")
            .put("complete", true)
            .put("results", new JsonObject().put("padding", "x".repeat(5000)))
            .encode();
    assertTooLarge(post(UPDATE, "agent-token", big), 4096);
    assertEquals(413, postChunked(UPDATE, "agent-token", big));
    // within the limit the update is read (and refused for what it says)
    String small =
        new JsonObject().put("task_id", "t1").put("stage", 5).put("complete", true).encode();
    HttpResponse<Buffer> r = post(UPDATE, "agent-token", small);
    assertEquals(400, r.statusCode(), r.bodyAsString());
    assertEquals(
        "'stage' is required and must be a string", r.bodyAsJsonObject().getString("details"));
  }

  @Test
  void namesTooLongToFileAreRefusedByTheContract() {
    JsonObject body =
        new JsonObject()
            .put("backend", "test")
            .put("rap_id", RAP_ID)
            .put("workspace", "w".repeat(1000))
            .put("repo_url", "https://github.com/opensafely/my-study")
            .put("branch", "main")
            .put("commit", "07d5f283bb66f52a49933b016cf8dc144cfc7180")
            .put("database_name", "default")
            .put("requested_actions", new JsonArray(List.of("a")))
            .put("codelists_ok", true)
            .put("force_run_dependencies", false)
            .put("created_by", "alice")
            .put("project", "my-project")
            .put("orgs", new JsonArray().add("opensafely"));
    RapApiServer.Reply r = server.post(CREATE, "tok-test", body);
    assertEquals(400, r.status(), r.raw().toString());
    assertEquals(
        new JsonObject()
            .put("error", "Validation error")
            .put(
                "details",
                "Invalid request body received at $.workspace: '"
                    + "w".repeat(59)
                    + "... is too long (at most 200 characters)"),
        r.json());
    body.put("workspace", "w".repeat(200))
        .put("requested_actions", new JsonArray(List.of("a", "b".repeat(201))));
    r = server.post(CREATE, "tok-test", body);
    assertEquals(400, r.status(), r.raw().toString());
    assertEquals(
        "Invalid request body received at $.requested_actions[1]: '"
            + "b".repeat(59)
            + "... is too long (at most 200 characters)",
        r.json().getString("details"));
    // a 200-character workspace passes the contract (the fake creator then creates the jobs)
    body.put("requested_actions", new JsonArray(List.of("a")));
    assertEquals(201, server.post(CREATE, "tok-test", body).status());
  }
}

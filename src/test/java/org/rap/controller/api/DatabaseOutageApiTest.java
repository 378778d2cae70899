package org.rap.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Settings;
import org.rap.controller.ControllerVerticle;
import org.rap.controller.db.DatabaseTarget;
import org.rap.testing.TcpProxy;
import org.rap.testing.TestDatabases;

/**
 * The controller's APIs while its PostgreSQL database cannot be reached (the line to it cut:
 * connections closed, new ones refused): 503 with {@code Retry-After} and the error body, then
 * normal answers as soon as the database is back.
 */
@Tag("postgres")
class DatabaseOutageApiTest {
  private final Vertx vertx = Vertx.vertx();
  private TcpProxy proxy;

  @AfterEach
  void close() {
    if (proxy != null) {
      proxy.close();
    }
    vertx.close().await();
  }

  @Test
  void apisAnswer503WithRetryAfterWhileTheDatabaseIsDown() throws Exception {
    DatabaseTarget pg = TestDatabases.fresh("postgresql");
    proxy = new TcpProxy(vertx, pg.host(), pg.port()).restore();
    Map<String, Object> settings = new HashMap<>();
    settings.put("BACKENDS", "test");
    settings.put("TEST_CLIENT_TOKENS", "tok");
    settings.put("TEST_JOB_SERVER_TOKEN", "agent-tok");
    settings.put(
        "DATABASE_URL",
        "postgresql://"
            + pg.user()
            + ":"
            + pg.password()
            + "@127.0.0.1:"
            + proxy.port()
            + "/"
            + pg.database());
    settings.put("CONTROLLER_HOST", "127.0.0.1");
    settings.put("CONTROLLER_PORT", "0");
    settings.put("DATABASE_RETRY_AFTER", "3");
    settings.put("WORKDIR", Files.createTempDirectory("rap-outage").toString());
    ControllerVerticle controller =
        new ControllerVerticle(ControllerConfig.from(Settings.of(settings)));
    vertx.deployVerticle(controller).await();
    WebClient client =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setDefaultHost("127.0.0.1")
                .setDefaultPort(controller.httpPort()));
    String status =
        new JsonObject().put("rap_ids", new JsonArray().add("abcdefgh23456789")).encode();

    assertEquals(200, post(client, "/controller/v1/rap/status/", status).statusCode());
    proxy.cut();

    for (HttpResponse<Buffer> r :
        new HttpResponse[] {
          post(client, "/controller/v1/rap/status/", status),
          client
              .get("/controller/v1/backend/status/")
              .putHeader("Authorization", "tok")
              .send()
              .await(),
          post(client, "/controller/v1/rap/create/", createBody()),
          client.get("/test/tasks/").putHeader("Authorization", "agent-tok").send().await()
        }) {
      assertEquals(503, r.statusCode(), r.bodyAsString());
      assertEquals("3", r.getHeader("Retry-After"));
      assertEquals(
          new JsonObject()
              .put("error", "Service unavailable")
              .put("details", "The controller's database is not answering; try again in 3 seconds"),
          r.bodyAsJsonObject());
    }

    proxy.restore();
    long deadline = System.nanoTime() + 10_000_000_000L;
    int code;
    do {
      code = post(client, "/controller/v1/rap/status/", status).statusCode();
    } while (code != 200 && System.nanoTime() < deadline);
    assertEquals(200, code, "answers again once the database is back");
    HttpResponse<Buffer> tasks =
        client.get("/test/tasks/").putHeader("Authorization", "agent-tok").send().await();
    assertEquals(200, tasks.statusCode(), tasks.bodyAsString());
    assertTrue(tasks.bodyAsJsonObject().getJsonArray("tasks").isEmpty());
  }

  private static HttpResponse<Buffer> post(WebClient client, String path, String body) {
    return client
        .post(path)
        .putHeader("Authorization", "tok")
        .putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer(body))
        .await();
  }

  private static String createBody() {
    return new JsonObject()
        .put("backend", "test")
        .put("rap_id", "abcdefgh23456789")
        .put("workspace", "w")
        .put("repo_url", "https://github.com/opensafely/my-study")
        .put("branch", "main")
        .put("commit", "07d5f283bb66f52a49933b016cf8dc144cfc7180")
        .put("database_name", "default")
        .put("requested_actions", new JsonArray().add("a"))
        .put("codelists_ok", true)
        .put("force_run_dependencies", false)
        .put("created_by", "alice")
        .put("project", "p")
        .put("orgs", new JsonArray().add("opensafely"))
        .encode();
  }
}

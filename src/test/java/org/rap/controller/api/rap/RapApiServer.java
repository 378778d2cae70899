package org.rap.controller.api.rap;

import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Settings;
import org.rap.controller.ControllerContext;
import org.rap.controller.ControllerVerticle;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.scheduler.SchedulerLock;
import org.rap.testing.TestDatabases;

/**
 * A controller on a random loopback port with a fresh database and a {@link FakeJobCreator}. Every
 * response to an API call is checked against both OpenAPI documents.
 *
 * <p>Backends {@code test,tpp,emis}; tokens: {@code tok-test} (test), {@code tok-tpp} (tpp), {@code
 * tok-all} (test and tpp).
 */
public final class RapApiServer implements AutoCloseable {
  public final Vertx vertx = Vertx.vertx();
  public final ControllerVerticle controller;
  public final WebClient client;
  public final ResponseContracts contracts;
  public final AtomicReference<FakeJobCreator> creator = new AtomicReference<>();
  public final int port;

  /** Held for the server's life: an unreachable lock's file descriptor is closed by the GC. */
  private final SchedulerLock schedulerLock;

  public RapApiServer(String dialect, Map<String, String> extra) throws Exception {
    DatabaseTarget target = TestDatabases.fresh(dialect);
    String url =
        target.dialect() == DatabaseTarget.Dialect.SQLITE
            ? "sqlite:" + target.sqliteFile()
            : target.pgUri();
    Map<String, Object> settings = new HashMap<>();
    settings.put("BACKENDS", "test,tpp,emis");
    settings.put("TEST_CLIENT_TOKENS", "tok-test,tok-all");
    settings.put("TPP_CLIENT_TOKENS", "tok-tpp,tok-all");
    settings.put("DATABASE_URL", url);
    settings.put("CONTROLLER_PORT", "0");
    settings.put("CONTROLLER_HOST", "127.0.0.1");
    settings.put("WORKDIR", Files.createTempDirectory("rap-work").toString());
    settings.putAll(extra);
    ControllerConfig config = ControllerConfig.from(Settings.of(settings));
    // Hold the scheduler loop lock so the controller's scheduler stays a standby: these tests
    // play the scheduler's part themselves (setting codes by hand).
    schedulerLock = SchedulerLock.forTarget(vertx, target);
    if (!schedulerLock.tryAcquire().await()) {
      throw new IllegalStateException("could not hold the scheduler lock for the RAP API tests");
    }
    controller =
        new ControllerVerticle(
            config,
            (vx, ctx) -> {
              FakeJobCreator c = new FakeJobCreator(vx, ctx);
              creator.set(c);
              return c;
            });
    vertx.deployVerticle(controller).await();
    port = controller.httpPort();
    client =
        WebClient.create(
            vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    contracts = ResponseContracts.load(vertx);
  }

  public RapApiServer(String dialect) throws Exception {
    this(dialect, Map.of());
  }

  public ControllerContext ctx() {
    return controller.context();
  }

  /** A checked response: status and JSON body (null when not JSON). */
  public record Reply(int status, Buffer raw, Map<String, String> headers) {
    public JsonObject json() {
      return new JsonObject(raw);
    }
  }

  public Reply post(String path, String token, Object body) {
    Buffer b =
        body instanceof Buffer buf
            ? buf
            : body instanceof String s ? Buffer.buffer(s) : Buffer.buffer(String.valueOf(body));
    return call(HttpMethod.POST, path, token, b, Map.of("Content-Type", "application/json"));
  }

  public Reply post(String path, String token, JsonObject body) {
    return post(path, token, (Object) body.encode());
  }

  public Reply get(String path, String token) {
    return call(HttpMethod.GET, path, token, null, Map.of());
  }

  public Reply call(
      HttpMethod method, String path, String token, Buffer body, Map<String, String> headers) {
    HttpRequest<Buffer> req = client.request(method, path);
    if (token != null) {
      req.putHeader("Authorization", token);
    }
    headers.forEach(req::putHeader);
    HttpResponse<Buffer> resp = (body == null ? req.send() : req.sendBuffer(body)).await();
    Buffer raw = resp.body() == null ? Buffer.buffer() : resp.body();
    Map<String, String> h = new HashMap<>();
    resp.headers().forEach(e -> h.put(e.getKey().toLowerCase(), e.getValue()));
    Reply reply = new Reply(resp.statusCode(), raw, h);
    checkContract(method, path, reply);
    return reply;
  }

  private void checkContract(HttpMethod method, String path, Reply reply) {
    if (reply.status() >= 500) {
      fail("5xx from " + method + " " + path + ": " + reply.raw());
    }
    String op = ResponseContracts.operationId(method.name(), path);
    if (op == null) {
      return;
    }
    List<String> problems = contracts.check(op, reply.status(), reply.raw());
    if (!problems.isEmpty()) {
      fail(String.join("\n", problems));
    }
  }

  @Override
  public void close() {
    try {
      client.close();
    } finally {
      vertx.close().await();
    }
  }
}

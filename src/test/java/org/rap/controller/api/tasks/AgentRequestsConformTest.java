package org.rap.controller.api.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.RequestValidator;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.rap.agent.poller.FatalErrors;
import org.rap.agent.poller.TaskApiClient;
import org.rap.common.tasks.TaskProtocol;
import org.rap.common.tasks.TaskUpdate;
import org.rap.common.tasks.UpdateForm;
import org.rap.controller.api.ApiDocuments;

/**
 * The requests the agent's {@link TaskApiClient} really sends, captured on an HTTP server on
 * loopback, conform to {@code openapi/task-api.yaml}: a documented operation for the method and
 * path, the token header, only documented query parameters with valid values (checked by
 * vertx-openapi's own request validator), a documented body media type, and an update that passes
 * the {@code TaskUpdate} schema.
 */
@ExtendWith(VertxExtension.class)
class AgentRequestsConformTest {
  private static final String TOKEN = "agent-token";

  /** What the server saw of one request, and how it measured up. */
  private record Seen(
      HttpMethod method,
      String path,
      MultiMap query,
      MultiMap headers,
      Buffer body,
      String operationId,
      Throwable invalid) {}

  @Test
  void everyRequestOfTheAgentMatchesTheContract(Vertx vertx, VertxTestContext test)
      throws Throwable {
    TaskContract contract = TaskContract.load(vertx).await();
    JsonObject document = ApiDocuments.load(vertx, TaskContract.RESOURCE).await();
    RequestValidator validator = RequestValidator.create(vertx, contract.contract());
    List<Seen> seen = new CopyOnWriteArrayList<>();
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  Operation op =
                      contract
                          .contract()
                          .findOperation(req.path().replaceAll("/$", ""), req.method());
                  req.pause();
                  Future<Void> checked =
                      op == null || op.getHttpMethod() == HttpMethod.POST
                          ? Future.succeededFuture()
                          : validator.validate(req, op.getOperationId()).mapEmpty();
                  checked
                      .transform(
                          ar -> {
                            req.resume();
                            return req.body()
                                .map(
                                    body ->
                                        new Seen(
                                            req.method(),
                                            req.path(),
                                            MultiMap.caseInsensitiveMultiMap().addAll(req.params()),
                                            MultiMap.caseInsensitiveMultiMap()
                                                .addAll(req.headers()),
                                            body,
                                            op == null ? null : op.getOperationId(),
                                            ar.cause()));
                          })
                      .onSuccess(
                          s -> {
                            seen.add(s);
                            if (req.method() == HttpMethod.GET) {
                              req.response()
                                  .putHeader(TaskProtocol.VERSION_HEADER, "v1")
                                  .putHeader("Content-Type", "application/json")
                                  .end(listBody());
                            } else {
                              req.response()
                                  .putHeader("Content-Type", "application/json")
                                  .end(
                                      new JsonObject()
                                          .put("response", "Update successful")
                                          .encode());
                            }
                          });
                })
            .listen(0, "127.0.0.1")
            .await();
    TaskApiClient client =
        new TaskApiClient(
            vertx,
            "http://127.0.0.1:" + server.actualPort() + "/",
            "test",
            TOKEN,
            Duration.ofSeconds(10),
            new FatalErrors());
    try {
      assertEquals(1, client.fetchTasks(0).await().size());
      assertEquals("v1", client.poll(1, null).await().version());
      client.poll(2, "v1").await();
      client
          .post(
              new TaskUpdate(
                  "job-001",
                  "finalized",
                  new JsonObject()
                      .put("exit_code", 0)
                      .put("error", false)
                      .put("status_message", "caf\u00e9 & 100% \"ok\"=yes")
                      .put("job_metrics", new JsonObject().put("cpu_peak", 3.5)),
                  true,
                  1_769_851_700_123_456_789L))
          .await();
      client.post(new TaskUpdate("dbstatus-1", "", null, true, null)).await();
      client.post(new TaskUpdate("job-001", "preparing", new JsonObject(), false, null)).await();
    } finally {
      client.close();
    }

    assertEquals(6, seen.size());
    Set<String> formats =
        document
            .getJsonObject("paths")
            .getJsonObject("/{backend}/task/update/")
            .getJsonObject("post")
            .getJsonObject("requestBody")
            .getJsonObject("content")
            .fieldNames();
    for (Seen s : seen) {
      String what = s.method() + " " + s.path() + "?" + s.query();
      assertNotNull(s.operationId(), "no operation of the contract for " + what);
      assertNull(s.invalid(), what + ": " + s.invalid());
      assertEquals(TOKEN, s.headers().get("Authorization"), what);
      if (s.method() == HttpMethod.GET) {
        assertEquals("listTasks", s.operationId());
        assertTrue(s.path().endsWith("/"), "paths end with a slash: " + s.path());
        assertNull(contract.checkQuery("listTasks", s.query()), what);
        assertTrue(
            Set.of(TaskProtocol.WAIT, TaskProtocol.KNOWN).containsAll(s.query().names()), what);
        continue;
      }
      assertEquals("updateTask", s.operationId());
      String type = s.headers().get("Content-Type").split(";")[0].strip();
      assertTrue(formats.contains(type), "undocumented body format " + type);
      TaskUpdate update = contract.update(UpdateForm.decode(type, s.body()));
      assertNotNull(update.taskId());
    }
    assertEquals(
        "caf\u00e9 & 100% \"ok\"=yes",
        contract
            .update(UpdateForm.decode(UpdateForm.CONTENT_TYPE, seen.get(3).body()))
            .results()
            .getString("status_message"),
        "the form field survives its encoding");
    assertEquals(
        1_769_851_700_123_456_789L,
        contract
            .update(UpdateForm.decode(UpdateForm.CONTENT_TYPE, seen.get(3).body()))
            .timestampNs());
    test.completeNow();
  }

  private static String listBody() {
    JsonObject task =
        new JsonObject()
            .put("id", "job-001")
            .put("backend", "test")
            .put("type", "runjob")
            .put("definition", new JsonObject().put("id", "job"))
            .put("attributes", new JsonObject())
            .put("created_at", 1_769_851_690L);
    return new JsonObject().put("tasks", new JsonArray().add(task)).encode();
  }
}

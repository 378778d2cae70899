package org.rap.controller.api.rap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.Timestamps;
import org.rap.testing.TestDatabases;

/**
 * A whole job request driven the way job-server drives it (docs/spec/rap-api.md sections 6.4, 7,
 * 8.4 and 8.5): create, poll status while the jobs progress, cancel, replay, and apply every status
 * answer with job-server's rules (the 12 model fields left after removing rap_id, backend,
 * requires_db; ISO timestamps; derived JobRequest status).
 */
class JobServerFlowTest {
  private RapApiServer server;

  static List<String> dialects() {
    return TestDatabases.dialects();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** job-server's view of each job request polled. */
  private final Map<String, JobServerModel> jobServer = new HashMap<>();

  /** job-server's local Job rows of the first request polled, keyed by identifier. */
  private Map<String, JsonObject> local;

  /** One poll: apply the answer as job-server's status poller does; returns the derived status. */
  private String poll(String rapId) {
    JobServerModel model = jobServer.computeIfAbsent(rapId, r -> new JobServerModel(r, "test"));
    if (local == null) {
      local = model.jobs();
    }
    var r =
        server.post(
            RapApiTest.STATUS,
            "tok-test",
            new JsonObject().put("rap_ids", new JsonArray().add(rapId)));
    assertEquals(200, r.status());
    return model.apply(r.json());
  }

  private void progress(String rapId, String action, StatusCode code, String message) {
    var ctx = server.ctx();
    Job job =
        ctx.jobs().findByRapIds(ctx.db().pool(), List.of(rapId)).await().stream()
            .filter(j -> j.action().equals(action))
            .findFirst()
            .orElseThrow();
    long now = Timestamps.nowSeconds();
    State state =
        code.isFinal()
            ? (code == StatusCode.SUCCEEDED ? State.SUCCEEDED : State.FAILED)
            : code.isRunning() ? State.RUNNING : job.state();
    Long started =
        job.startedAt() == null && state == State.RUNNING ? Long.valueOf(now) : job.startedAt();
    Long completed = code.isFinal() ? Long.valueOf(now) : null;
    Job next = job.withStatus(state, code, message, now, started, completed, Timestamps.nowNanos());
    assertTrue(
        ctx.db().inTransaction(c -> ctx.jobs().updateStatus(c, next, job.statusCode())).await());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void wholeJobRequest(String dialect) throws Exception {
    server = new RapApiServer(dialect);
    String rap = "flow0000000000aa";
    var created =
        server.post(
            RapApiTest.CREATE,
            "tok-test",
            RapApiTest.createBody(rap, "test", "generate_dataset", "analyse", "report"));
    assertEquals(201, created.status());
    assertTrue(created.json().getInteger("count") > 0);
    assertEquals("pending", poll(rap));
    assertEquals(3, local.size());
    assertNull(local.values().iterator().next().getValue("started_at"));

    progress(rap, "generate_dataset", StatusCode.EXECUTING, "Job executing on the backend");
    assertEquals("running", poll(rap));
    JsonObject gen =
        local.values().stream()
            .filter(j -> j.getString("action").equals("generate_dataset"))
            .findFirst()
            .orElseThrow();
    assertEquals("running", gen.getString("status"));
    assertNotNull(gen.getString("started_at"));

    progress(rap, "generate_dataset", StatusCode.SUCCEEDED, "Completed successfully");
    assertEquals("running", poll(rap));

    // job-server sends only active actions to cancel
    List<String> active =
        local.values().stream()
            .filter(j -> Set.of("pending", "running").contains(j.getString("status")))
            .map(j -> j.getString("action"))
            .sorted()
            .toList();
    var cancel =
        server.post(
            RapApiTest.CANCEL,
            "tok-test",
            new JsonObject().put("rap_id", rap).put("actions", new JsonArray(List.copyOf(active))));
    assertEquals(200, cancel.status());
    assertEquals(active.size() + " actions cancelled", cancel.json().getString("details"));
    // the scheduler turns the cancel flag into cancelled_by_user
    for (String a : active) {
      progress(rap, a, StatusCode.CANCELLED_BY_USER, "Cancelled by user");
    }
    assertEquals("failed", poll(rap));
    assertEquals(3, local.size());

    // a re-sent create is a replay, whatever happened since
    var replay =
        server.post(
            RapApiTest.CREATE, "tok-test", RapApiTest.createBody(rap, "test", "generate_dataset"));
    assertEquals(200, replay.status());
    assertEquals(3, replay.json().getInteger("count"));

    // the backend status cron
    var backends = server.get(RapApiTest.BACKENDS, "tok-test").json().getJsonArray("backends");
    assertEquals(1, backends.size());
    assertEquals("test", backends.getJsonObject(0).getString("slug"));

    // a RAP whose create failed without an answer is resolved through unrecognised_rap_ids
    assertEquals("unrecognised", poll("neverseen0000000"));
  }
}

package org.rap.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Settings;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;
import org.rap.controller.ControllerContext;
import org.rap.controller.ControllerEvents;
import org.rap.controller.api.tasks.TaskApi;
import org.rap.controller.db.Database;
import org.rap.testing.TestDatabases;

/**
 * Long-poll dispatch latency: an agent waits in {@code GET /test/tasks/?wait=30}; a task is
 * inserted and {@code controller.task.created} published (what the scheduler does after its
 * commit); the time until the waiting HTTP client has the response is measured.
 */
public final class LongPollBench {
  public static void main(String[] args) throws Exception {
    Logger root = Logger.getLogger("");
    root.setLevel(Level.WARNING);
    for (var h : root.getHandlers()) {
      h.setLevel(Level.WARNING);
    }
    String dialect = args.length > 0 ? args[0] : "postgresql";
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    Vertx vertx = Vertx.vertx();
    try {
      run(vertx, dialect, rounds);
    } finally {
      vertx.close().await(); // also after a failure: the event loop threads would keep the JVM up
    }
  }

  private static void run(Vertx vertx, String dialect, int rounds) throws Exception {
    Database db = TestDatabases.open(vertx, dialect);
    ControllerConfig config =
        ControllerConfig.from(
            Settings.of(
                Map.of(
                    "BACKENDS",
                    "test",
                    "LONG_POLL_MAX_SECONDS",
                    "60",
                    "TEST_JOB_SERVER_TOKEN",
                    "token")));
    ControllerContext ctx = ControllerContext.of(config, db);
    TaskApi[] api = new TaskApi[1];
    int port =
        vertx
            .<Integer>executeBlocking(() -> 0)
            .compose(
                x -> {
                  Router router = Router.router(vertx);
                  api[0] = new TaskApi(vertx, ctx);
                  // the routes exist once the contract is loaded: mount, then listen
                  return api[0]
                      .mount(router)
                      .compose(
                          v ->
                              vertx
                                  .createHttpServer()
                                  .requestHandler(router)
                                  .listen(0, "127.0.0.1"))
                      .map(s -> s.actualPort());
                })
            .await();
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest poll =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/test/tasks/?wait=30"))
            .header("Authorization", "token")
            .GET()
            .build();
    double[] afterCommit = new double[rounds];
    double[] includingInsert = new double[rounds];
    for (int i = -20; i < rounds; i++) {
      CompletableFuture<HttpResponse<String>> waiting =
          http.sendAsync(poll, HttpResponse.BodyHandlers.ofString());
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (api[0].waiting() == 0) {
        if (waiting.isDone() || System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "the long poll did not wait: " + (waiting.isDone() ? waiting.get().body() : "30 s"));
        }
        Thread.sleep(1);
      }
      String id = String.format("benchjob%08d-001", i + 20);
      Task t =
          new Task(
              id,
              "test",
              TaskType.RUNJOB,
              new JsonObject().put("id", id),
              new JsonObject(),
              1,
              true,
              null,
              null);
      long start = System.nanoTime();
      ctx.tasks().insert(db.pool(), t, id.substring(0, id.length() - 4)).await();
      long committed = System.nanoTime();
      vertx
          .eventBus()
          .publish(
              ControllerEvents.TASK_CREATED,
              new JsonObject().put("backend", "test").put("task_id", id));
      HttpResponse<String> r = waiting.get(30, TimeUnit.SECONDS);
      long done = System.nanoTime();
      if (!r.body().contains(id)) {
        throw new IllegalStateException("the poll did not return the new task: " + r.body());
      }
      if (i >= 0) {
        afterCommit[i] = (done - committed) / 1e6;
        includingInsert[i] = (done - start) / 1e6;
      }
      ctx.tasks().deactivate(db.pool(), id, 2L).await();
    }
    System.out.println("Long-poll dispatch on " + dialect + ":");
    SchedulerPassBench.report("task.created published -> waiting client has the task", afterCommit);
    SchedulerPassBench.report("task insert start -> waiting client has the task", includingInsert);
    db.closeAsync().await();
  }
}

package org.rap.controller.sync;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.model.Job;
import org.rap.common.model.Task;
import org.rap.common.retry.Backoffs;
import org.rap.controller.ControllerContext;
import org.rap.controller.api.rap.JobView;
import org.rap.controller.api.rap.RapService;

/**
 * The optional pull model (docs/spec/job-server-sync.md), deployed only when {@code
 * JOB_SERVER_ENDPOINT} is set: every {@code POLL_INTERVAL}, for each backend with its {@code
 * <BACKEND>_JOB_SERVER_TOKEN}, read the active job requests (all pages), create jobs for new ones
 * and cancel requested actions through the same code as the RAP API, then post back every job of
 * every job request mentioned and of every RAP still active. job-server errors and downtime back
 * off exponentially with jitter and never stop the controller.
 */
public final class SyncVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(SyncVerticle.class.getName());

  /** Backoff grows to at most 2^6 poll intervals, and never beyond 5 minutes. */
  static final int MAX_BACKOFF_EXPONENT = 6;

  static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  private final ControllerContext ctx;
  private final RapService rap;
  private JobServerClient jobServer;
  private SyncRound round;
  private long timer = -1;
  private final Map<String, Integer> failures = new HashMap<>();
  private final Map<String, Long> nextDue = new HashMap<>();
  private volatile boolean stopped;

  public SyncVerticle(ControllerContext ctx, RapService rap) {
    this.ctx = ctx;
    this.rap = rap;
  }

  @Override
  public Future<?> start() {
    String endpoint = ctx.config().jobServerEndpoint().orElseThrow();
    jobServer = new JobServerClient(vertx, endpoint, ctx.config().jobServerCaFile());
    round = new SyncRound(ctx, rap, jobServer);
    LOG.info(
        "Sync mode: polling "
            + endpoint
            + " every "
            + ctx.config().jobServerPollInterval().toMillis()
            + " ms for backends "
            + ctx.config().backendSlugs());
    schedule(1);
    return Future.succeededFuture();
  }

  private void schedule(long delayMs) {
    if (!stopped) {
      timer = vertx.setTimer(Math.max(1, delayMs), id -> runRound());
    }
  }

  /**
   * One round: every backend that is due is synced in turn. A backend whose sync failed is not due
   * again until its own backoff has passed, so one misconfigured backend does not slow the others.
   */
  private void runRound() {
    Future<Void> chain = Future.succeededFuture();
    for (String backend : ctx.config().backendSlugs()) {
      chain =
          chain.compose(
              v -> {
                if (System.nanoTime() < nextDue.getOrDefault(backend, Long.MIN_VALUE)) {
                  return Future.succeededFuture();
                }
                return round
                    .sync(backend, ctx.config().backend(backend).jobServerToken())
                    .transform(
                        ar -> {
                          if (ar.succeeded()) {
                            failures.remove(backend);
                            nextDue.remove(backend);
                          } else {
                            int n = failures.merge(backend, 1, Integer::sum);
                            long delay = backoff(ctx.config().jobServerPollInterval(), n);
                            nextDue.put(backend, System.nanoTime() + delay * 1_000_000L);
                            Throwable err = ar.cause();
                            LOG.log(
                                Level.WARNING,
                                "Sync with job-server failed for backend "
                                    + backend
                                    + " ("
                                    + n
                                    + " in a row, next try in "
                                    + delay
                                    + " ms): "
                                    + err.getMessage(),
                                expected(err) ? null : err);
                          }
                          return Future.<Void>succeededFuture();
                        });
              });
    }
    chain.onComplete(ar -> schedule(ctx.config().jobServerPollInterval().toMillis()));
  }

  /** job-server answering badly, down or slow: no stack trace needed in the log. */
  private static boolean expected(Throwable err) {
    return err instanceof JobServerClient.JobServerException
        || err instanceof IOException
        || err instanceof HttpClosedException
        || err instanceof TimeoutException
        || String.valueOf(err.getMessage()).contains("timeout");
  }

  /** Exponential backoff with jitter in [50%, 100%] of the capped exponential delay. */
  static long backoff(Duration interval, int failures) {
    long base = Math.max(interval.toMillis(), 100);
    long capped =
        Backoffs.exponential(
            base, Math.min(failures, MAX_BACKOFF_EXPONENT), MAX_BACKOFF.toMillis());
    return Backoffs.jittered(capped, ThreadLocalRandom.current());
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (jobServer != null) {
      jobServer.close();
    }
    return Future.succeededFuture();
  }

  /**
   * The job object job-server's v2 {@code jobs/} endpoint takes: RAP status job, rap_id renamed.
   */
  static JsonObject v2Job(Job job, Task latestRunJob) {
    JsonObject view = JobView.of(job, latestRunJob);
    JsonObject out = new JsonObject();
    out.put("identifier", view.getValue("identifier"));
    out.put("job_request_id", view.getValue("rap_id"));
    view.forEach(
        e -> {
          if (!e.getKey().equals("identifier")
              && !e.getKey().equals("rap_id")
              && !e.getKey().equals("backend")) {
            out.put(e.getKey(), e.getValue());
          }
        });
    return out;
  }

  static Set<String> strings(JsonArray a) {
    Set<String> out = new LinkedHashSet<>();
    if (a != null) {
      a.forEach(
          o -> {
            if (o != null) {
              out.add(String.valueOf(o));
            }
          });
    }
    return out;
  }
}

package org.rap.controller.sync;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;
import org.rap.common.model.Job;
import org.rap.common.model.JobIds;
import org.rap.common.model.JobSpec;
import org.rap.common.model.JobStatus;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.Timestamps;
import org.rap.controller.ControllerContext;
import org.rap.controller.api.rap.ApiReply;
import org.rap.controller.api.rap.RapService;

/** One backend's sync with job-server (docs/spec/job-server-sync.md section 3). */
final class SyncRound {
  private static final Logger LOG = Logger.getLogger(SyncRound.class.getName());
  static final String ERROR_ACTION = "__error__";

  private final ControllerContext ctx;
  private final RapService rap;
  private final JobServerClient jobServer;

  SyncRound(ControllerContext ctx, RapService rap, JobServerClient jobServer) {
    this.ctx = ctx;
    this.rap = rap;
    this.jobServer = jobServer;
  }

  Future<Void> sync(String backend, String token) {
    return jobServer
        .jobRequests(token)
        .compose(
            requests -> {
              Set<String> mentioned = new LinkedHashSet<>();
              Future<Void> chain = Future.succeededFuture();
              for (JsonObject jr : requests) {
                Object id = jr.getValue("identifier");
                if (!(id instanceof String rapId) || rapId.isBlank()) {
                  LOG.warning("Sync: ignoring a job request without identifier: " + jr.encode());
                  continue;
                }
                Object jrBackend = jr.getValue("backend");
                if (jrBackend instanceof String b && !b.equals(backend)) {
                  LOG.warning(
                      "Sync: ignoring job request "
                          + rapId
                          + " of backend "
                          + b
                          + " returned for "
                          + backend);
                  continue;
                }
                mentioned.add(rapId);
                chain = chain.compose(v -> handle(backend, rapId, jr));
              }
              return chain.map(v -> mentioned);
            })
        .compose(mentioned -> postBack(backend, token, mentioned));
  }

  private Future<Void> handle(String backend, String rapId, JsonObject jr) {
    return ctx.jobs()
        .findByRapIds(ctx.db().pool(), List.of(rapId))
        .compose(
            jobs -> jobs.isEmpty() ? create(backend, rapId, jr) : cancel(backend, rapId, jobs, jr));
  }

  private Future<Void> create(String backend, String rapId, JsonObject jr) {
    JsonObject body = createBody(backend, rapId, jr);
    return rap.create(List.of(backend), body)
        .compose(
            reply -> {
              if (reply.status() == 201 || "No change".equals(reply.body().getString("result"))) {
                return Future.succeededFuture();
              }
              if ("Nothing to do".equals(reply.body().getString("result"))) {
                List<String> actions =
                    new ArrayList<>(SyncVerticle.strings(body.getJsonArray("requested_actions")));
                String action = actions.isEmpty() ? "run_all" : actions.get(0);
                return record(
                    syntheticJob(
                        body,
                        action,
                        State.SUCCEEDED,
                        StatusCode.SUCCEEDED,
                        reply.body().getString("details")));
              }
              return record(errorJob(body, reply));
            });
  }

  /** Creation errors have no response channel in the pull model: they become a failed job. */
  private static Job errorJob(JsonObject body, ApiReply reply) {
    String details = reply.body().getString("details", "Unknown error");
    if (details.startsWith("Codelists are out of date")) {
      return syntheticJob(body, ERROR_ACTION, State.FAILED, StatusCode.STALE_CODELISTS, details);
    }
    String type =
        "Inconsistent request data".equals(reply.body().getString("error"))
            ? "InconsistentRequest"
            : "JobRequestError";
    return syntheticJob(
        body, ERROR_ACTION, State.FAILED, StatusCode.INTERNAL_ERROR, type + ": " + details);
  }

  private Future<Void> record(Job job) {
    LOG.info(
        "Sync: job request "
            + job.rapId()
            + " recorded as "
            + job.action()
            + " ("
            + job.statusCode().value()
            + "): "
            + job.statusMessage());
    return ctx.db()
        .inTransaction(c -> ctx.jobs().insertAll(c, List.of(job)))
        .recover(
            err -> {
              // a concurrent round or create inserted it first
              LOG.info("Sync: could not record " + job.id() + ": " + err.getMessage());
              return Future.succeededFuture();
            });
  }

  private Future<Void> cancel(String backend, String rapId, List<Job> jobs, JsonObject jr) {
    Set<String> requested = SyncVerticle.strings(jr.getJsonArray("cancelled_actions"));
    if (requested.isEmpty()) {
      return Future.succeededFuture();
    }
    List<String> toCancel = new ArrayList<>();
    for (Job j : jobs) {
      if (j.backend().equals(backend)
          && requested.contains(j.action())
          && !j.cancelled()
          && !j.state().isFinal()
          && !toCancel.contains(j.action())) {
        toCancel.add(j.action());
      }
    }
    if (toCancel.isEmpty()) {
      return Future.succeededFuture();
    }
    return rap.cancel(List.of(backend), rapId, toCancel)
        .map(
            reply -> {
              if (reply.status() != 200) {
                LOG.warning(
                    "Sync: cancelling " + toCancel + " of " + rapId + " answered " + reply.body());
              }
              return null;
            });
  }

  /** Every job of every mentioned job request and of every RAP still active in this backend. */
  private Future<Void> postBack(String backend, String token, Set<String> mentioned) {
    return ctx.jobs()
        .findActive(ctx.db().pool())
        .compose(
            active -> {
              Set<String> rapIds = new LinkedHashSet<>(mentioned);
              active.stream()
                  .filter(j -> j.backend().equals(backend))
                  .forEach(j -> rapIds.add(j.rapId()));
              return rap.statusJobs(List.of(backend), rapIds);
            })
        .compose(
            found -> {
              if (found.jobs().isEmpty()) {
                return Future.succeededFuture();
              }
              JsonArray payload = new JsonArray();
              for (Job j : found.jobs()) {
                payload.add(SyncVerticle.v2Job(j, found.latestRunJob().get(j.id())));
              }
              return jobServer.postJobs(token, payload);
            });
  }

  /**
   * A RAP create body from a v2 job request (docs/spec/job-server-sync.md section 4), with safe
   * defaults.
   */
  static JsonObject createBody(String backend, String rapId, JsonObject jr) {
    JsonObject ws = jr.getValue("workspace") instanceof JsonObject w ? w : new JsonObject();
    return new JsonObject()
        .put("backend", backend)
        .put("rap_id", rapId)
        .put("workspace", str(ws.getValue("name")))
        .put("repo_url", str(ws.getValue("repo")))
        .put("branch", str(ws.getValue("branch")))
        .put("commit", str(jr.getValue("sha")))
        .put(
            "database_name",
            jr.getValue("database_name") instanceof String d && !d.isBlank() ? d : "default")
        .put(
            "requested_actions",
            new JsonArray(
                new ArrayList<>(SyncVerticle.strings(array(jr.getValue("requested_actions"))))))
        .put("codelists_ok", !Boolean.FALSE.equals(jr.getValue("codelists_ok")))
        .put("force_run_dependencies", Boolean.TRUE.equals(jr.getValue("force_run_dependencies")))
        .put("created_by", str(jr.getValue("created_by")))
        .put("project", str(jr.getValue("project")))
        .put(
            "orgs",
            new JsonArray(new ArrayList<>(SyncVerticle.strings(array(jr.getValue("orgs"))))))
        .put("analysis_scope", new JsonObject());
  }

  private static JsonArray array(Object o) {
    return o instanceof JsonArray a ? a : new JsonArray();
  }

  private static String str(Object o) {
    return o instanceof String s ? s : o == null ? "" : String.valueOf(o);
  }

  static Job syntheticJob(
      JsonObject body, String action, State state, StatusCode code, String message) {
    long now = Timestamps.nowSeconds();
    String rapId = body.getString("rap_id");
    JobSpec spec =
        new JobSpec(
            JobIds.jobId(rapId, action),
            rapId,
            body.getString("backend"),
            body.getString("workspace"),
            action,
            now,
            new JobSpec.Source(
                body.getString("repo_url"),
                body.getString("commit"),
                body.getString("branch"),
                null,
                null),
            new JobSpec.Run("", Map.of(), false, body.getString("database_name"), Map.of()),
            JobSpec.Needs.none(),
            new JobSpec.Origin(
                body.getString("created_by"),
                body.getString("project"),
                new ArrayList<>(SyncVerticle.strings(body.getJsonArray("orgs"))),
                Map.of()));
    return new Job(
        spec, new JobStatus(state, code, message, false, now, null, now, Timestamps.nowNanos()));
  }
}

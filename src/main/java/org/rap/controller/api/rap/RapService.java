package org.rap.controller.api.rap;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.async.KeyedSequencer;
import org.rap.common.model.Flag;
import org.rap.common.model.Job;
import org.rap.common.model.Task;
import org.rap.common.model.Timestamps;
import org.rap.controller.ControllerContext;
import org.rap.controller.ControllerEvents;
import org.rap.controller.db.DatabaseOutages;
import org.rap.controller.db.JobRepository;
import org.rap.controller.db.StatusDocuments;
import org.rap.controller.planning.CreateOutcome;
import org.rap.controller.planning.CreateRequest;
import org.rap.controller.planning.JobCreationException;
import org.rap.controller.planning.JobCreator;

/**
 * The RAP API's operations (docs/spec/rap-api.md sections 5 to 8), independent of HTTP so that the
 * sync mode reuses them. Every operation is scoped to the caller's token backends.
 */
public final class RapService {
  private static final Logger LOG = Logger.getLogger(RapService.class.getName());

  /** Bound on bind parameters per statement (SQLite allows 32766). */
  private static final int CHUNK = 10_000;

  private final Vertx vertx;
  private final ControllerContext ctx;
  private final JobCreator creator;

  /** Creates of one rap_id run one after the other in this process. */
  private final KeyedSequencer createQueue = new KeyedSequencer();

  public RapService(Vertx vertx, ControllerContext ctx, JobCreator creator) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.creator = creator;
  }

  public ControllerContext context() {
    return ctx;
  }

  // ---------------------------------------------------------------- backend/status

  public Future<ApiReply> backendStatus(List<String> tokenBackends) {
    List<Future<JsonObject>> entries = new ArrayList<>();
    for (String slug : ctx.config().backendSlugs()) {
      if (tokenBackends.contains(slug)) {
        entries.add(ctx.flags().all(ctx.db().pool(), slug).map(flags -> backendEntry(slug, flags)));
      }
    }
    return Future.all(entries)
        .map(
            all -> {
              JsonArray backends = new JsonArray();
              entries.forEach(f -> backends.add(f.result()));
              return new ApiReply(200, new JsonObject().put("backends", backends));
            });
  }

  static JsonObject backendEntry(String slug, List<Flag> flags) {
    Map<String, Flag> byId = new HashMap<>();
    flags.forEach(f -> byId.put(f.id(), f));
    Flag lastSeen = byId.get("last-seen-at");
    Flag paused = byId.get("paused");
    Flag mode = byId.get("mode");
    Flag manual = byId.get("manual-db-maintenance");
    boolean isPaused =
        paused != null && paused.value() != null && paused.value().equalsIgnoreCase("true");
    boolean inMaintenance = mode != null && "db-maintenance".equals(mode.value());
    String type = null;
    if (inMaintenance) {
      type = manual != null && "on".equals(manual.value()) ? "manual" : "scheduled";
    }
    return new JsonObject()
        .put("slug", slug)
        .put("last_seen", since(lastSeen))
        .put(
            "paused",
            new JsonObject().put("status", isPaused ? "on" : "off").put("since", since(paused)))
        .put(
            "db_maintenance",
            new JsonObject()
                .put("status", inMaintenance ? "on" : "off")
                .put("since", since(mode))
                .put("type", type));
  }

  private static String since(Flag flag) {
    return flag == null || flag.timestampMicros() == null
        ? null
        : Timestamps.isoMicros(flag.timestampMicros());
  }

  // ---------------------------------------------------------------- rap/create

  /** Creates the jobs of a schema-valid create request body. */
  public Future<ApiReply> create(List<String> tokenBackends, JsonObject body) {
    CreateRequest request = toRequest(body);
    if (!tokenBackends.contains(request.backend())) {
      LOG.warning(
          "Create for rap_id "
              + request.rapId()
              + " refused: backend '"
              + request.backend()
              + "' is not one of the client token's backends "
              + tokenBackends);
      return Future.succeededFuture(ApiReply.error(400, "Error creating jobs", "Unknown error"));
    }
    return createQueue.run(request.rapId(), () -> createNow(request));
  }

  private Future<ApiReply> createNow(CreateRequest request) {
    return existing(request)
        .compose(
            replay -> {
              if (replay != null) {
                return Future.succeededFuture(replay);
              }
              return Future.<CreateOutcome>succeededFuture()
                  .compose(v -> creator.create(request))
                  .map(outcome -> created(request, outcome))
                  .recover(failure -> creationFailed(request, failure));
            });
  }

  /** The idempotency check: the reply for a rap_id that already has jobs, else null. */
  private Future<ApiReply> existing(CreateRequest request) {
    return ctx.jobs()
        .rapSummary(ctx.db().pool(), request.rapId())
        .map(
            found -> {
              if (found.isEmpty()) {
                return null;
              }
              JobRepository.RapSummary first = found.get();
              Set<String> stored =
                  new HashSet<>(Arrays.asList(first.repoUrl(), first.workspace(), first.commit()));
              Set<String> asked =
                  new HashSet<>(
                      Arrays.asList(request.repoUrl(), request.workspace(), request.commit()));
              String rapId = request.rapId();
              if (!stored.equals(asked)) {
                return ApiReply.error(
                    400,
                    "Inconsistent request data",
                    "Jobs already created for rap_id '"
                        + rapId
                        + "' are inconsistent with request data");
              }
              return result(
                  200,
                  "No change",
                  "Jobs already created for rap_id '" + rapId + "'",
                  rapId,
                  first.count());
            });
  }

  private static ApiReply created(CreateRequest request, CreateOutcome outcome) {
    String rapId = request.rapId();
    if (outcome instanceof CreateOutcome.Created c && !c.jobs().isEmpty()) {
      return result(
          201, "Success", "Jobs created for rap_id '" + rapId + "'", rapId, c.jobs().size());
    }
    if (outcome instanceof CreateOutcome.NothingToDo n) {
      return result(200, "Nothing to do", n.details(), rapId, 0);
    }
    LOG.severe("Job creation for rap_id " + rapId + " returned no jobs and no reason: " + outcome);
    return ApiReply.error(400, "Error creating jobs", "Unknown error");
  }

  private Future<ApiReply> creationFailed(CreateRequest request, Throwable failure) {
    JobCreationException known = knownError(failure);
    if (known != null) {
      LOG.info("Error creating jobs for rap_id " + request.rapId() + ": " + known.getMessage());
      String details = known.getMessage() == null ? "Unknown error" : known.getMessage();
      return Future.succeededFuture(ApiReply.error(400, "Error creating jobs", details));
    }
    if (DatabaseOutages.isOutage(failure)) {
      // nothing was inserted: the caller answers 503 and the request can be sent again
      return Future.failedFuture(failure);
    }
    // A concurrent create of the same rap_id (another process) makes our insert fail on the
    // deterministic primary key: that is a replay, not an error.
    return existing(request)
        .otherwise((ApiReply) null)
        .map(
            replay -> {
              if (replay != null) {
                LOG.info(
                    "Create for rap_id "
                        + request.rapId()
                        + " raced with another create: "
                        + failure);
                return replay;
              }
              LOG.log(
                  Level.SEVERE,
                  "Unknown error creating jobs for rap_id " + request.rapId(),
                  failure);
              return ApiReply.error(400, "Error creating jobs", "Unknown error");
            });
  }

  private static JobCreationException knownError(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof JobCreationException e) {
        return e;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }

  private static ApiReply result(
      int status, String result, String details, String rapId, int count) {
    return new ApiReply(
        status,
        new JsonObject()
            .put("result", result)
            .put("details", details)
            .put("rap_id", rapId)
            .put("count", count));
  }

  @SuppressWarnings("unchecked")
  public static CreateRequest toRequest(JsonObject body) {
    Object scope = body.getValue("analysis_scope");
    Map<String, Object> analysisScope =
        scope instanceof JsonObject jo ? jo.copy().getMap() : Map.of();
    return new CreateRequest(
        body.getString("backend"),
        body.getString("rap_id"),
        body.getString("workspace"),
        body.getString("repo_url"),
        body.getString("branch"),
        body.getString("commit"),
        body.getString("database_name"),
        strings(body.getJsonArray("requested_actions")),
        body.getBoolean("codelists_ok"),
        body.getBoolean("force_run_dependencies"),
        body.getString("created_by"),
        body.getString("project"),
        strings(body.getJsonArray("orgs")),
        analysisScope);
  }

  private static List<String> strings(JsonArray a) {
    List<String> out = new ArrayList<>();
    if (a != null) {
      a.forEach(o -> out.add(String.valueOf(o)));
    }
    return out;
  }

  // ---------------------------------------------------------------- rap/cancel

  public Future<ApiReply> cancel(List<String> tokenBackends, String rapId, List<String> actions) {
    return ctx.jobs()
        .actionsOf(ctx.db().pool(), rapId, tokenBackends)
        .compose(
            actionsWithJobs -> {
              if (actionsWithJobs.isEmpty()) {
                return Future.succeededFuture(
                    new ApiReply(
                        404,
                        new JsonObject()
                            .put("error", "jobs not found")
                            .put("details", "No jobs found for rap_id " + rapId)
                            .put("rap_id", rapId)));
              }
              Set<String> present = new HashSet<>();
              Set<String> backends = new LinkedHashSet<>();
              actionsWithJobs.forEach(
                  ab -> {
                    present.add(ab.action());
                    backends.add(ab.backend());
                  });
              TreeSet<String> notFound = new TreeSet<>();
              for (String a : actions) {
                if (!present.contains(a)) {
                  notFound.add(a);
                }
              }
              if (!notFound.isEmpty()) {
                return Future.succeededFuture(
                    new ApiReply(
                        404,
                        new JsonObject()
                            .put("error", "jobs not found")
                            .put(
                                "details",
                                "Jobs matching requested cancelled actions could not be found: "
                                    + String.join(",", notFound))
                            .put("rap_id", rapId)
                            .put("not_found", new JsonArray(new ArrayList<>(notFound)))));
              }
              Set<String> distinct = new LinkedHashSet<>(actions);
              long now = Timestamps.nowSeconds();
              return ctx.db()
                  .inTransaction(conn -> ctx.jobs().markCancelled(conn, rapId, distinct, now))
                  .map(
                      marked -> {
                        for (String b : backends) {
                          ControllerEvents.jobsCancelled(vertx.eventBus(), b, rapId);
                        }
                        LOG.info(
                            "Cancelled actions "
                                + distinct
                                + " of rap_id "
                                + rapId
                                + " ("
                                + marked.size()
                                + " jobs flagged)");
                        return new ApiReply(
                            200,
                            new JsonObject()
                                .put("result", "Success")
                                .put("details", actions.size() + " actions cancelled")
                                .put("count", actions.size()));
                      });
            });
  }

  // ---------------------------------------------------------------- rap/status

  public Future<ApiReply> status(List<String> tokenBackends, List<String> rapIds) {
    List<String> ids = List.copyOf(new LinkedHashSet<>(rapIds));
    Future<List<StatusDocuments>> docs =
        ids.isEmpty()
            ? Future.succeededFuture(List.of())
            : inChunks(
                ids,
                chunk ->
                    ctx.jobs()
                        .statusDocuments(ctx.db().pool(), ctx.db().isSqlite(), chunk, tokenBackends)
                        .map(List::of));
    return docs.map(
        found -> {
          Set<String> seen = new HashSet<>();
          Buffer out = Buffer.buffer(64 + found.stream().mapToInt(d -> d.jobs().length()).sum());
          out.appendString("{\"jobs\":[");
          boolean first = true;
          for (StatusDocuments d : found) {
            seen.addAll(d.rapIds());
            if (d.jobs().length() == 0) {
              continue;
            }
            if (!first) {
              out.appendByte((byte) ',');
            }
            first = false;
            out.appendBuffer(d.jobs());
          }
          JsonArray unrecognised = new JsonArray();
          for (String r : ids) {
            if (!seen.contains(r)) {
              unrecognised.add(r);
            }
          }
          out.appendString("],\"unrecognised_rap_ids\":")
              .appendString(unrecognised.encode())
              .appendString("}");
          return new ApiReply(200, null, out);
        });
  }

  /** The jobs of these RAPs in the token backends, with each job's latest RUNJOB task. */
  public record StatusJobs(List<Job> jobs, Map<String, Task> latestRunJob) {}

  public Future<StatusJobs> statusJobs(List<String> tokenBackends, Collection<String> rapIds) {
    List<String> ids = List.copyOf(new LinkedHashSet<>(rapIds));
    if (ids.isEmpty()) {
      return Future.succeededFuture(new StatusJobs(List.of(), Map.of()));
    }
    return inChunks(ids, chunk -> ctx.jobs().findByRapIds(ctx.db().pool(), chunk))
        .compose(
            all -> {
              List<Job> jobs =
                  all.stream().filter(j -> tokenBackends.contains(j.backend())).toList();
              if (jobs.isEmpty()) {
                return Future.succeededFuture(new StatusJobs(jobs, Map.of()));
              }
              List<String> jobIds = jobs.stream().map(Job::id).toList();
              return inChunks(
                      jobIds,
                      chunk ->
                          ctx.tasks()
                              .latestRunJobTasks(ctx.db().pool(), chunk)
                              .map(m -> List.copyOf(m.entrySet())))
                  .map(
                      entries -> {
                        Map<String, Task> latest = new HashMap<>();
                        entries.forEach(e -> latest.put(e.getKey(), e.getValue()));
                        return new StatusJobs(jobs, latest);
                      });
            });
  }

  private static <T> Future<List<T>> inChunks(
      List<String> ids, Function<List<String>, Future<List<T>>> query) {
    if (ids.size() <= CHUNK) {
      return query.apply(ids);
    }
    List<Future<List<T>>> parts = new ArrayList<>();
    for (int i = 0; i < ids.size(); i += CHUNK) {
      parts.add(query.apply(ids.subList(i, Math.min(ids.size(), i + CHUNK))));
    }
    return Future.all(parts)
        .map(
            cf -> {
              List<T> out = new ArrayList<>();
              parts.forEach(p -> out.addAll(p.result()));
              return out;
            });
  }
}

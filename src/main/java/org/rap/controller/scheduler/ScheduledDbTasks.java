package org.rap.controller.scheduler;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rap.common.config.ControllerConfig;
import org.rap.common.model.JobIds;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;
import org.rap.controller.ControllerContext;
import org.rap.controller.db.TaskRepository.ScheduledSummary;

/**
 * The scheduled database tasks (docs/spec/scheduling.md section 5.2), kept after every pass: one
 * DBSTATUS task per backend with {@code MAINTENANCE_ENABLED_BACKENDS} every {@code
 * MAINTENANCE_POLL_INTERVAL} (not while maintenance is manual and its checks are disabled), and one
 * DBDATACHECK per backend with {@code DATA_CHECK_ENABLED_BACKENDS} every {@code
 * DATA_CHECK_POLL_INTERVAL} (not during maintenance). A kind that must not run has its active tasks
 * deactivated.
 */
final class ScheduledDbTasks {
  private final ControllerContext ctx;
  private final ControllerConfig config;
  private final JobDefinitions definitions;
  private final ImageDigests digests;
  private final EffectWriter announcer;

  ScheduledDbTasks(
      ControllerContext ctx,
      JobDefinitions definitions,
      ImageDigests digests,
      EffectWriter announcer) {
    this.ctx = ctx;
    this.config = ctx.config();
    this.definitions = definitions;
    this.digests = digests;
    this.announcer = announcer;
  }

  Future<Void> maintain(Flags flags, long nowS) {
    List<String> statusBackends = served(config.maintenanceEnabledBackends());
    List<String> checkBackends = served(config.dataCheckEnabledBackends());
    if (statusBackends.isEmpty() && checkBackends.isEmpty()) {
      return Future.succeededFuture();
    }
    return ctx.tasks()
        .scheduledSummaries(ctx.db().pool())
        .compose(
            summaries -> {
              Map<String, ScheduledSummary> byKey = new HashMap<>();
              for (ScheduledSummary s : summaries) {
                byKey.put(s.backend() + "/" + s.type().value(), s);
              }
              Future<Void> chain = Future.succeededFuture();
              for (String b : statusBackends) {
                boolean off =
                    flags.isSet(b, Flags.MANUAL_DB_MAINTENANCE)
                        && flags.isSet(b, Flags.CHECKS_DISABLED);
                chain = chain.compose(v -> keep(b, TaskType.DBSTATUS, off, byKey, nowS));
              }
              for (String b : checkBackends) {
                boolean off = flags.inDbMaintenance(b);
                chain = chain.compose(v -> keep(b, TaskType.DBDATACHECK, off, byKey, nowS));
              }
              return chain;
            });
  }

  private List<String> served(List<String> backends) {
    return backends.stream().filter(config.backendSlugs()::contains).toList();
  }

  private Future<Void> keep(
      String backend,
      TaskType type,
      boolean off,
      Map<String, ScheduledSummary> summaries,
      long nowS) {
    ScheduledSummary summary = summaries.get(backend + "/" + type.value());
    long active = summary == null ? 0 : summary.active();
    if (off) {
      return active == 0
          ? Future.succeededFuture()
          : ctx.tasks().deactivateAll(ctx.db().pool(), backend, type).mapEmpty();
    }
    long interval =
        (type == TaskType.DBSTATUS
                ? config.maintenancePollInterval()
                : config.dataCheckPollInterval())
            .toSeconds();
    boolean recent =
        summary != null
            && summary.lastFinishedAt() != null
            && summary.lastFinishedAt() > nowS - interval;
    if (active > 0 || recent) {
      return Future.succeededFuture();
    }
    return digests
        .digest(definitions.databaseUtilsImage())
        .compose(
            sha -> {
              JsonObject def =
                  type == TaskType.DBSTATUS
                      ? definitions.dbStatus(sha)
                      : definitions.dbDataCheck(sha);
              Task task =
                  Task.created(
                      JobIds.scheduledTaskId(type), backend, type, def, new JsonObject(), nowS);
              return ctx.tasks()
                  .insert(ctx.db().pool(), task, null)
                  .onSuccess(v -> announcer.announce(backend, task.id()));
            });
  }
}

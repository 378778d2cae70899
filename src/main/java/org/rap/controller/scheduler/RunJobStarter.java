package org.rap.controller.scheduler;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.rap.common.model.Job;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.JobIds;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;
import org.rap.controller.ControllerContext;

/**
 * Starts a job's next attempt (docs/spec/scheduling.md section 2.4): resolves the image's digest,
 * then in one transaction creates the RUNJOB task {@code <job>-NNN} with the job's definition
 * (inputs: the latest job of each needed action in the workspace), clears the metrics of the
 * previous attempt and sets the job's status, conditional on its old code.
 */
final class RunJobStarter {
  private final ControllerContext ctx;
  private final JobDefinitions definitions;
  private final ImageDigests digests;

  RunJobStarter(ControllerContext ctx, JobDefinitions definitions, ImageDigests digests) {
    this.ctx = ctx;
    this.definitions = definitions;
    this.digests = digests;
  }

  /**
   * @param before the job as the pass found it
   * @param after the job with its new status ({@code initiated})
   * @return the task created
   */
  Future<Task> start(Job before, Job after, long nowS) {
    String image;
    try {
      image = definitions.imageOf(before);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return digests.digest(image).compose(sha -> inTransaction(before, after, sha, nowS));
  }

  private Future<Task> inTransaction(Job before, Job after, String sha, long nowS) {
    Task[] created = new Task[1];
    // both reads go out with BEGIN, and the writes together: three round trips to the database
    // worker instead of six
    return ctx.db()
        .inTransaction(
            conn ->
                Future.all(
                    ctx.tasks().findRunJobTasks(conn, before.id()),
                    ctx.jobs()
                        .latestJobIdPerAction(
                            conn,
                            before.backend(),
                            before.workspace(),
                            before.requiresOutputsFrom())),
            (conn, reads) -> {
              List<Task> previous = reads.resultAt(0);
              Map<String, String> latest = reads.resultAt(1);
              for (Task t : previous) {
                if (t.active()) {
                  return Future.failedFuture(
                      new IllegalStateException(
                          "Job " + before.id() + " already has an active RUNJOB task " + t.id()));
                }
              }
              int attempt = previous.size() + 1;
              String taskId = JobIds.runJobTaskId(before.id(), attempt);
              List<String> inputs = new ArrayList<>();
              for (String action : before.requiresOutputsFrom()) {
                String id = latest.get(action);
                if (id != null) {
                  inputs.add(id);
                }
              }
              JobDefinition def = definitions.build(before, taskId, inputs, sha);
              created[0] =
                  Task.created(
                      taskId,
                      before.backend(),
                      TaskType.RUNJOB,
                      def.toJson(),
                      JobDefinitions.attributes(before),
                      nowS);
              // sent together; the conditional update decides (a failed write rolls back)
              Future<Void> inserted = ctx.tasks().insert(conn, created[0], before.id());
              // a new attempt has no results yet (a first attempt has no earlier metrics to clear)
              Future<Void> cleared =
                  attempt == 1
                      ? Future.succeededFuture()
                      : ctx.jobs().clearMetrics(conn, before.id());
              Future<Boolean> updated = ctx.jobs().updateStatus(conn, after, before.statusCode());
              return Future.join(inserted, cleared, updated)
                  .transform(
                      done -> {
                        for (Future<?> f : List.of(inserted, cleared, updated)) {
                          if (f.failed()) {
                            return Future.<Void>failedFuture(f.cause());
                          }
                        }
                        return updated.result()
                            ? Future.<Void>succeededFuture()
                            : ConcurrentChange.of(before);
                      });
            })
        .map(v -> created[0]);
  }
}

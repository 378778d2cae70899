package org.rap.controller.scheduler;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import java.util.List;
import java.util.Optional;
import org.rap.common.model.Job;
import org.rap.common.model.JobIds;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;
import org.rap.controller.db.TaskLeaseRepository;
import org.rap.controller.db.TaskRepository;

/**
 * The reference's {@code cancel_job} primitive (docs/spec/scheduling.md section 3): if the job's
 * latest RUNJOB task is active, mark it inactive ({@code finished_at = now}) and insert a CANCELJOB
 * task {@code <runjob task id>-cancel} whose definition is the RUNJOB definition without {@code
 * image_sha}. Runs on the caller's transaction; the caller sets the job's code in the same one.
 */
public final class JobCancellation {
  private final TaskRepository tasks;
  private final TaskLeaseRepository leases = new TaskLeaseRepository();

  public JobCancellation(TaskRepository tasks) {
    this.tasks = tasks;
  }

  /**
   * @return the CANCELJOB task inserted, if the job had an active RUNJOB task
   */
  public Future<Optional<Task>> cancelJob(SqlClient conn, Job job, long nowSeconds) {
    return tasks
        .findRunJobTasks(conn, job.id())
        .compose(
            all -> {
              List<Task> mine =
                  all.stream().filter(t -> t.backend().equals(job.backend())).toList();
              if (mine.isEmpty() || !mine.get(mine.size() - 1).active()) {
                return Future.succeededFuture(Optional.<Task>empty());
              }
              Task run = mine.get(mine.size() - 1);
              return tasks
                  .deactivate(conn, run.id(), nowSeconds)
                  .compose(
                      wasActive -> {
                        if (!wasActive) {
                          return Future.succeededFuture(Optional.<Task>empty());
                        }
                        Task cancel =
                            Task.created(
                                JobIds.cancelTaskId(run.id()),
                                job.backend(),
                                TaskType.CANCELJOB,
                                JobDefinitions.cancelDefinition(run.definition()),
                                JobDefinitions.attributes(job),
                                nowSeconds);
                        // the agent holding the job's task answers its cancellation
                        return tasks
                            .insert(conn, cancel, job.id())
                            .compose(v -> leases.inheritClaim(conn, cancel.id(), run.id()))
                            .map(v -> Optional.of(cancel));
                      });
            });
  }
}

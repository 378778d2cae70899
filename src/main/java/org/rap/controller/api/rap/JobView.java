package org.rap.controller.api.rap;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import org.rap.common.model.Job;
import org.rap.common.model.Task;
import org.rap.common.model.Timestamps;

/**
 * A job as the RAP status endpoint returns it: exactly the 15 keys of docs/spec/rap-api.md section
 * 8.3 (job-server's update breaks on any extra key), empty strings instead of nulls for its NOT
 * NULL columns.
 */
public final class JobView {
  private JobView() {}

  public static JsonObject of(Job job, Task latestRunJob) {
    JsonObject o = new JsonObject();
    o.put("identifier", job.id());
    o.put("rap_id", job.rapId());
    o.put("backend", job.backend());
    o.put("action", nonNull(job.action()));
    o.put("run_command", nonNull(job.runCommand()));
    o.put("status", job.state().value());
    o.put("status_code", job.statusCode().value());
    o.put("status_message", nonNull(job.statusMessage()));
    o.put("created_at", Timestamps.isoSeconds(job.createdAt()));
    o.put("updated_at", Timestamps.isoSeconds(job.updatedAt()));
    o.put("started_at", Timestamps.isoSeconds(job.startedAt()));
    o.put("completed_at", Timestamps.isoSeconds(job.completedAt()));
    o.put("trace_context", new JsonObject(new LinkedHashMap<>(job.traceContext())));
    o.put("metrics", metrics(latestRunJob));
    o.put("requires_db", job.requiresDb());
    return o;
  }

  /** {@code job_metrics} from the results of the job's latest RUNJOB task, else {@code {}}. */
  static JsonObject metrics(Task task) {
    if (task == null || task.agentResults() == null) {
      return new JsonObject();
    }
    Object m = task.agentResults().getValue("job_metrics");
    return m instanceof JsonObject jo ? jo : new JsonObject();
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }
}

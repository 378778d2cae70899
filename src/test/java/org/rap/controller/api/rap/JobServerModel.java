package org.rap.controller.api.rap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.rap.common.model.StatusCode;

/**
 * job-server's side of {@code rap/status/} (docs/spec/rap-api.md sections 8.4 and 8.5): its local
 * Job rows of one job request, updated from each status answer with job-server's rules (the 12
 * model fields left after removing rap_id, backend and requires_db, else update_or_create raises;
 * non-null fields; known status codes; ISO timestamps), and the JobRequest status it derives.
 */
public final class JobServerModel {
  public static final Set<String> JOB_MODEL_FIELDS =
      Set.of(
          "identifier",
          "action",
          "run_command",
          "status",
          "status_code",
          "status_message",
          "created_at",
          "updated_at",
          "started_at",
          "completed_at",
          "trace_context",
          "metrics");
  static final Set<String> CODES =
      Arrays.stream(StatusCode.values()).map(StatusCode::value).collect(Collectors.toSet());

  private final String rapId;
  private final String backend;

  /** job-server's local Job rows, keyed by identifier. */
  private final Map<String, JsonObject> local = new HashMap<>();

  public JobServerModel(String rapId, String backend) {
    this.rapId = rapId;
    this.backend = backend;
  }

  /** Applies one status answer as job-server's poller does; returns the derived status. */
  public String apply(JsonObject body) {
    assertTrue(body.containsKey("unrecognised_rap_ids"));
    for (Object o : body.getJsonArray("jobs")) {
      JsonObject job = ((JsonObject) o).copy();
      assertEquals(rapId, job.remove("rap_id"));
      assertEquals(backend, job.remove("backend"));
      assertTrue(job.remove("requires_db") instanceof Boolean);
      assertEquals(
          JOB_MODEL_FIELDS, job.fieldNames(), "update_or_create would raise on any other key");
      for (String notNull :
          List.of(
              "action", "run_command", "status", "status_code", "status_message", "created_at")) {
        assertNotNull(job.getValue(notNull), notNull);
      }
      assertTrue(CODES.contains(job.getString("status_code")), job.getString("status_code"));
      for (String ts : List.of("created_at", "updated_at", "started_at", "completed_at")) {
        if (job.getValue(ts) != null) {
          OffsetDateTime.parse(job.getString(ts));
        }
      }
      local.put(job.getString("identifier"), job);
    }
    if (body.getJsonArray("unrecognised_rap_ids").contains(rapId)) {
      return "unrecognised";
    }
    Set<String> states =
        local.values().stream().map(j -> j.getString("status")).collect(Collectors.toSet());
    if (states.size() == 1) {
      return states.iterator().next();
    }
    if (states.contains("running") || states.contains("pending")) {
      return "running";
    }
    return states.contains("failed") ? "failed" : "unknown";
  }

  /** The local rows (job-server's Job table for this request). */
  public Map<String, JsonObject> jobs() {
    return local;
  }
}

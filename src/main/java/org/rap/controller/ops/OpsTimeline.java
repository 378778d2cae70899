package org.rap.controller.ops;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rap.common.config.BackendSettings;
import org.rap.controller.db.JobRepository.Life;

/**
 * The operator page's charts over the last hours, rebuilt from the job rows on every request (so
 * they survive restarts and agree with the database): per backend and per point in time, the jobs
 * pending and running, the wait of the oldest pending job, and the running jobs against the
 * backend's worker limits. A job counts as pending from {@code created_at} until it started or
 * finished, and as running from {@code started_at} until it finished. Points are a fixed number, so
 * the document stays small whatever the number of jobs.
 */
final class OpsTimeline {
  /** How far back the charts go. */
  static final long SPAN_SECONDS = 6 * 3600;

  /** Points per chart. */
  static final int POINTS = 73;

  private OpsTimeline() {}

  static JsonObject build(
      long now,
      Collection<String> backends,
      List<Life> lives,
      Map<String, BackendSettings> settings) {
    long step = SPAN_SECONDS / (POINTS - 1);
    long from = now - SPAN_SECONDS;
    Map<String, long[][]> series = new LinkedHashMap<>(); // backend -> [metric][point]
    for (String b : backends) {
      series.put(b, new long[5][POINTS]);
    }
    for (long[][] s : series.values()) {
      Arrays.fill(s[2], -1); // oldest pending created_at: none yet
    }
    for (Life l : lives) {
      long[][] s = series.computeIfAbsent(l.backend(), b -> newSeries());
      long end = l.completedAt() == null ? Long.MAX_VALUE : l.completedAt();
      long runFrom = l.startedAt() == null ? Long.MAX_VALUE : l.startedAt();
      for (int i = 0; i < POINTS; i++) {
        long t = from + i * step;
        if (t < l.createdAt() || t >= end) {
          continue;
        }
        if (t < runFrom) {
          s[0][i]++;
          if (s[2][i] < 0 || l.createdAt() < s[2][i]) {
            s[2][i] = l.createdAt();
          }
        } else {
          s[1][i]++;
          s[l.requiresDb() ? 4 : 3][i]++;
        }
      }
    }
    JsonArray times = new JsonArray();
    for (int i = 0; i < POINTS; i++) {
      times.add(from + i * step);
    }
    JsonObject out = new JsonObject().put("step_seconds", step).put("times", times);
    JsonObject byBackend = new JsonObject();
    series.forEach(
        (b, s) -> {
          JsonArray queueAge = new JsonArray();
          for (int i = 0; i < POINTS; i++) {
            queueAge.add(s[2][i] < 0 ? 0 : Math.max(0, from + i * step - s[2][i]));
          }
          BackendSettings bs = settings.get(b);
          byBackend.put(
              b,
              new JsonObject()
                  .put("pending", array(s[0]))
                  .put("running", array(s[1]))
                  .put("queue_age_seconds", queueAge)
                  .put("workers_running", array(s[3]))
                  .put("db_workers_running", array(s[4]))
                  .put("max_workers", bs == null ? null : bs.maxWorkers())
                  .put("max_db_workers", bs == null ? null : bs.maxDbWorkers()));
        });
    return out.put("backends", byBackend);
  }

  private static long[][] newSeries() {
    long[][] s = new long[5][POINTS];
    Arrays.fill(s[2], -1);
    return s;
  }

  private static JsonArray array(long[] values) {
    JsonArray a = new JsonArray();
    for (long v : values) {
      a.add(v);
    }
    return a;
  }
}

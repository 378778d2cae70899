package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.rap.common.model.JobDefinition;

class RecentRunsTest {
  final AtomicLong clock = new AtomicLong(5_000_000_000L);
  final RecentRuns runs = new RecentRuns(clock::get);

  static JobDefinition attempt(String task) {
    return JobDefinition.fromJson(new JsonObject().put("id", "job1").put("task_id", task));
  }

  @Test
  void aStatusStandsForTheNextStepOnly() {
    runs.record(attempt("job1-001"), Optional.empty());
    assertEquals(Optional.of(Optional.empty()), runs.take(attempt("job1-001")));
    assertTrue(runs.take(attempt("job1-001")).isEmpty(), "used up: the next check asks again");
  }

  @Test
  void anOldStatusOrAnotherAttemptsIsNotUsed() {
    runs.record(attempt("job1-001"), Optional.empty());
    clock.addAndGet(RecentRuns.FRESH.toNanos());
    assertTrue(runs.take(attempt("job1-001")).isEmpty());
    runs.record(attempt("job1-001"), Optional.empty());
    assertTrue(runs.take(attempt("job1-002")).isEmpty());
    runs.record(attempt("job1-002"), Optional.empty());
    runs.forget("job1");
    assertTrue(runs.take(attempt("job1-002")).isEmpty());
  }
}

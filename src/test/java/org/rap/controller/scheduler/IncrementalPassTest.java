package org.rap.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.Task;
import org.rap.testing.TestDatabases;

/**
 * Incremental passes decide exactly as passes that read and decide every active job: the same
 * scripted history (jobs created with dependencies, agent reports, cancellations, pauses, database
 * maintenance, changes written behind the scheduler's back) leaves both databases in the same state
 * after every pass.
 */
class IncrementalPassTest {
  static List<String> dialects() {
    return TestDatabases.dialects();
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void incrementalPassesDecideAsFullPasses(String dialect) throws Exception {
    Map<String, String> settings = Map.of("TEST_MAX_WORKERS", "3", "TEST_MAX_DB_WORKERS", "1");
    try (Harness inc = new Harness(dialect, settings);
        Harness full = new Harness(dialect, settings)) {
      full.scheduler =
          new Scheduler(
              full.vertx,
              full.ctx,
              CachingImageDigests.offline(),
              Map.of(),
              full.clockNs::get,
              new Scheduler.Options(Duration.ZERO, Duration.ZERO, Duration.ZERO));
      List<Harness> both = List.of(inc, full);
      Random random = new Random(42);
      List<Job> created = new ArrayList<>();
      int fullPasses = 0;
      for (int step = 0; step < 60; step++) {
        int op = random.nextInt(10);
        if (op < 3 || created.size() < 4) {
          TestJob t =
              TestJob.of("a" + step)
                  .workspace("ws" + random.nextInt(3))
                  .created(Harness.T0 - 1000 + step);
          if (random.nextInt(4) == 0) {
            t.db();
          }
          if (!created.isEmpty() && random.nextBoolean()) {
            Job dep = created.get(random.nextInt(created.size()));
            t.needs(dep.action(), dep.id());
          }
          Job j = t.build();
          created.add(j);
          both.forEach(h -> h.db.inTransaction(c -> h.ctx.jobs().insertAll(c, List.of(j))).await());
        } else if (op < 7) {
          List<Task> active = inc.active("test");
          if (!active.isEmpty()) {
            Task t = active.get(random.nextInt(active.size()));
            int kind = random.nextInt(4);
            int exitCode = random.nextInt(2);
            for (Harness h : both) {
              if (kind == 0) {
                h.agent(t.id(), "executing", false, new JsonObject(), null);
              } else if (kind == 1) {
                h.agent(t.id(), "finalized", true, Harness.ok(exitCode), null);
              } else if (kind == 2) {
                h.agent(t.id(), "finalized", true, new JsonObject().put("error", "boom"), null);
              } else {
                h.agent(t.id(), "finalized", true, Harness.ok(0), null);
              }
            }
          }
        } else if (op == 7) {
          Job j = created.get(random.nextInt(created.size()));
          for (Harness h : both) {
            h.ctx
                .jobs()
                .markCancelled(h.db.pool(), j.rapId(), List.of(j.action()), h.nowS())
                .await();
          }
        } else if (op == 8) {
          String paused = random.nextBoolean() ? "true" : null;
          both.forEach(h -> h.flag("test", "paused", paused));
        } else {
          String mode = random.nextBoolean() ? "db-maintenance" : null;
          both.forEach(h -> h.flag("test", "mode", mode));
        }
        both.forEach(h -> h.advance(7));
        inc.pass();
        fullPasses += full.pass().full() ? 1 : 0;
        assertEquals(states(full), states(inc), "after step " + step);
        assertEquals(tasks(full), tasks(inc), "tasks after step " + step);
      }
      assertEquals(60, fullPasses);
      assertTrue(
          states(inc).values().stream().anyMatch(s -> s.startsWith("succeeded")),
          states(inc).toString());
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void changesWrittenByOthersAreSeenAndRoomIsPassedOn(String dialect) throws Exception {
    try (Harness h = new Harness(dialect, Map.of("TEST_MAX_WORKERS", "1"))) {
      Job first = h.insert(TestJob.of("first").created(Harness.T0 - 300));
      Job second = h.insert(TestJob.of("second").created(Harness.T0 - 200));
      assertTrue(h.pass().full());
      assertEquals(State.RUNNING, h.job(first.id()).state());
      assertEquals(StatusCode.WAITING_ON_WORKERS, h.job(second.id()).statusCode());
      // the next pass reads back what the last one wrote (its writes are recorded as changes)
      assertEquals(2, h.pass().decided());
      Scheduler.PassStats quiet = h.pass();
      assertFalse(quiet.full());
      assertEquals(0, quiet.decided(), "nothing changed: nothing decided");

      // another process fails the running job behind the scheduler's back: its worker is freed
      h.db
          .pool()
          .query(
              "UPDATE job SET state = 'failed', status_code = 'internal_error'"
                  + " WHERE id = '"
                  + first.id()
                  + "'")
          .execute()
          .await();
      h.advance(1);
      h.pass();
      assertEquals(State.RUNNING, h.job(second.id()).state(), "the waiting job took the worker");

      // a job inserted by another process (not handed over in memory) is read with its spec
      Job third = h.insert(TestJob.of("third").created(Harness.T0 - 100));
      h.advance(1);
      h.pass();
      assertEquals(StatusCode.WAITING_ON_WORKERS, h.job(third.id()).statusCode());

      // after a resync (the loop lock taken over) the pass reads everything again
      h.scheduler.resync();
      assertTrue(h.pass().full());
    }
  }

  /** Every job's state, code and message, by id. */
  private static Map<String, String> states(Harness h) {
    List<String> ids = new ArrayList<>();
    h.db.pool().query("SELECT id FROM job").execute().await().forEach(r -> ids.add(r.getString(0)));
    Map<String, String> out = new TreeMap<>();
    for (String id : ids) {
      Job j = h.job(id);
      out.put(id, j.state().value() + " " + j.statusCode().value() + " " + j.statusMessage());
    }
    return out;
  }

  /** Every task's id and whether it is active. */
  private static Map<String, Boolean> tasks(Harness h) {
    Map<String, Boolean> out = new TreeMap<>();
    h.db
        .pool()
        .query("SELECT id, active FROM tasks WHERE type <> 'dbstatus' AND type <> 'dbdatacheck'")
        .execute()
        .await()
        .forEach(r -> out.put(r.getString(0), r.getValue(1).toString().matches("1|true")));
    return out;
  }
}

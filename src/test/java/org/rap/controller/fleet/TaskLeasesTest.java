package org.rap.controller.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rap.common.model.Task;
import org.rap.common.model.TaskType;
import org.rap.common.tasks.AgentTask;
import org.rap.common.tasks.TaskList;
import org.rap.controller.db.AgentRepository;
import org.rap.controller.db.Database;
import org.rap.controller.db.TaskLeaseRepository;
import org.rap.controller.db.TaskRepository;
import org.rap.testing.TestDatabases;

/** Claims, fencing and expiry of named agents' leases on both real databases. */
class TaskLeasesTest {
  private static final Duration LEASE = Duration.ofSeconds(5);
  private final Vertx vertx = Vertx.vertx();
  private final TaskRepository tasks = new TaskRepository();
  private final AgentRepository agents = new AgentRepository();
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private Database db;
  private TaskLeases leases;

  static List<String> dialects() {
    return TestDatabases.dialects();
  }

  @AfterEach
  void close() {
    if (db != null) {
      db.closeAsync().await();
    }
    vertx.close().await();
  }

  private void open(String dialect) throws Exception {
    db = TestDatabases.open(vertx, dialect);
    leases = new TaskLeases(db, tasks, agents, LEASE, clock::get);
  }

  private void runJobs(String backend, int n) {
    List<Future<Void>> inserted = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String job = "job" + i;
      inserted.add(insert(job + "-001", backend, TaskType.RUNJOB, job, i));
    }
    Future.all(inserted).await();
  }

  private Future<Void> insert(String id, String backend, TaskType type, String job, long at) {
    Task t =
        Task.created(
            id, backend, type, new JsonObject().put("id", job), new JsonObject(), 100 + at);
    return tasks.insert(db.pool(), t, job);
  }

  private List<AgentTask> poll(String agent, int capacity) {
    return parse(leases.poll("test", new TaskLeases.Agent(agent, capacity)).await());
  }

  private static List<AgentTask> parse(List<TaskList.Entry> entries) {
    List<AgentTask> out = new ArrayList<>();
    entries.forEach(e -> out.add(AgentTask.fromJson(new JsonObject(e.json()))));
    return out;
  }

  private Throwable fence(String task, String agent, Long token) {
    try {
      db.inTransaction(
              c ->
                  leases
                      .target(c, task)
                      .compose(t -> leases.fence(c, task, t.orElseThrow().holder(), agent, token)))
          .await();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void newTasksAreSpreadByFreeCapacityAndClaimedOnce(String dialect) throws Exception {
    open(dialect);
    runJobs("test", 6);
    // both agents are live before the tasks are spread
    poll("a", 2);
    clock.addAndGet(1);
    List<AgentTask> a = poll("a", 2);
    List<AgentTask> b = poll("b", 4);
    List<AgentTask> a2 = poll("a", 2);
    assertEquals(2, a.size(), "a takes its share, within its capacity");
    assertEquals(4, b.size());
    assertEquals(a.stream().map(AgentTask::id).toList(), a2.stream().map(AgentTask::id).toList());
    Set<String> all = new HashSet<>();
    a.forEach(t -> all.add(t.id()));
    b.forEach(t -> all.add(t.id()));
    assertEquals(6, all.size(), "no task is handed to two agents");
    assertEquals("a", a.get(0).lease().agent());
    assertTrue(b.get(0).lease().token() > 0);
    // the agent without an id sees only what nobody holds
    assertEquals(List.of(), tasks.findActiveForAgent(db.pool(), "test").await());
    List<AgentRepository.AgentRow> rows = agents.list(db.pool()).await();
    assertEquals(2, rows.size());
    assertEquals(2, rows.get(0).runningTasks());
    assertEquals(4, rows.get(1).capacity());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void updatesAreFencedByAgentAndToken(String dialect) throws Exception {
    open(dialect);
    runJobs("test", 1);
    AgentTask t = poll("a", 1).get(0);
    long token = t.lease().token();
    assertNull(fence(t.id(), "a", token));
    assertInstanceOf(TaskLeases.LeaseLost.class, fence(t.id(), "b", token));
    assertInstanceOf(TaskLeases.LeaseLost.class, fence(t.id(), "a", token + 1));
    assertInstanceOf(TaskLeases.LeaseLost.class, fence(t.id(), "a", null));
    Throwable legacy = fence(t.id(), null, null);
    assertInstanceOf(TaskLeases.LeaseLost.class, legacy);
    assertTrue(legacy.getMessage().contains("held by agent 'a'"), legacy.getMessage());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void aLeaseThatRunsOutEndsTheAttemptNamingTheAgent(String dialect) throws Exception {
    open(dialect);
    runJobs("test", 1);
    AgentTask t = poll("a", 1).get(0);
    clock.addAndGet(4_000);
    poll("a", 1); // renewed
    clock.addAndGet(4_000);
    assertEquals(List.of(), leases.expire().await(), "a poll renews the lease");
    clock.addAndGet(2_000);
    assertEquals(List.of(t.id()), leases.expire().await().stream().map(e -> e.id()).toList());
    Task ended = tasks.findById(db.pool(), t.id()).await().orElseThrow();
    assertFalse(ended.active());
    assertTrue(ended.isAgentComplete());
    JsonObject results = ended.agentResults();
    assertEquals(new JsonArray().add("a"), results.getJsonArray(TaskLeases.LOST_AGENTS));
    assertTrue(results.getJsonObject("error").getString("message").contains("'a'"));
    Throwable late = fence(t.id(), "a", t.lease().token());
    assertInstanceOf(TaskLeases.LeaseLost.class, late);
    assertTrue(late.getMessage().contains("ran out"), late.getMessage());
    assertEquals(List.of(), leases.expire().await(), "expiry is done once");

    // the next attempt, lost on another agent, names both
    insert("job0-002", "test", TaskType.RUNJOB, "job0", 5).await();
    AgentTask second = poll("b", 1).get(0);
    assertTrue(second.lease().token() > t.lease().token(), "tokens grow from attempt to attempt");
    leases.release("test", "b").await();
    JsonObject again = tasks.findById(db.pool(), second.id()).await().orElseThrow().agentResults();
    assertEquals(new JsonArray().add("a").add("b"), again.getJsonArray(TaskLeases.LOST_AGENTS));
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void otherTasksAreFreedForAnotherAgent(String dialect) throws Exception {
    open(dialect);
    insert("db-1", "test", TaskType.DBSTATUS, null, 0).await();
    AgentTask held = poll("a", 1).get(0);
    assertEquals(List.of(), poll("b", 1), "one agent answers a DBSTATUS task");
    clock.addAndGet(LEASE.toMillis() + 1);
    poll("b", 1); // b is alive; a is not
    leases.expire().await();
    AgentTask taken = poll("b", 1).get(0);
    assertEquals(held.id(), taken.id());
    assertEquals("b", taken.lease().agent());
    assertTrue(taken.lease().token() > held.lease().token());
    assertInstanceOf(TaskLeases.LeaseLost.class, fence(held.id(), "a", held.lease().token()));
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void aCancellationGoesToTheAgentHoldingTheJob(String dialect) throws Exception {
    open(dialect);
    runJobs("test", 1);
    AgentTask run = poll("a", 1).get(0);
    poll("b", 1);
    tasks.deactivate(db.pool(), run.id(), 200L).await();
    insert(run.id() + "-cancel", "test", TaskType.CANCELJOB, "job0", 7).await();
    new TaskLeaseRepository().inheritClaim(db.pool(), run.id() + "-cancel", run.id()).await();
    assertEquals(List.of(), poll("b", 1));
    List<AgentTask> a = poll("a", 1);
    assertEquals(List.of(run.id() + "-cancel"), a.stream().map(AgentTask::id).toList());
  }
}

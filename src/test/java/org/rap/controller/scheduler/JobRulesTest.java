package org.rap.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rap.common.model.Job;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.StatusMessages;
import org.rap.controller.db.TaskRepository.RunJobState;
import org.rap.controller.scheduler.Decision.Effect;

/**
 * Every transition of the per-job state machine (docs/job-states.md), on the pure rules alone: a
 * job, the facts of a pass, a time; no database.
 */
class JobRulesTest {
  private static final long NOW_S = Harness.T0;
  private static final long NOW = NOW_S * 1_000_000_000L;
  private static final int MAX_ATTEMPTS = 3;

  private final JobRules rules = new JobRules(MAX_ATTEMPTS);

  /** Facts of a pass, settable one by one. */
  private static final class Facts {
    boolean paused;
    boolean maintenance;
    RunJobState task;
    int erroredAttempts;
    final List<State> dependencies = new ArrayList<>();
    JobFacts.Room room = JobFacts.Room.of(0, 1, 10);

    JobFacts build() {
      return new JobFacts(paused, maintenance, task, erroredAttempts, dependencies, room);
    }
  }

  private final Facts facts = new Facts();

  private static Job pending(TestJob t) {
    return t.build();
  }

  private static Job running(TestJob t) {
    return t.status(State.RUNNING, StatusCode.EXECUTING, StatusMessages.INITIATED).build();
  }

  private static RunJobState task(
      boolean active, String stage, boolean complete, JsonObject results) {
    return new RunJobState("job-001", "job", active, stage, complete, results, NOW - 5);
  }

  private Decision decide(Job job) {
    return rules.decide(job, facts.build(), NOW);
  }

  private static void assertDecision(
      Decision d, Effect effect, State state, StatusCode code, String message) {
    assertEquals(effect, d.effect(), "effect");
    assertEquals(state, d.outcome().job().state(), "state");
    assertEquals(code, d.outcome().job().statusCode(), "code");
    if (message != null) {
      assertEquals(message, d.outcome().job().statusMessage(), "message");
    }
  }

  // 2.1 cancelled: wins over everything

  @Test
  void aCancelledPendingJobFails() {
    facts.paused = true;
    facts.maintenance = true;
    Job job = pending(TestJob.of("a").db().cancelled());
    Decision d = decide(job);
    assertDecision(
        d,
        Effect.WRITE,
        State.FAILED,
        StatusCode.CANCELLED_BY_USER,
        StatusMessages.CANCELLED_BY_USER);
    assertNull(d.outcome().job().completedAt(), "a cancel request sets completed_at itself");
  }

  @Test
  void aCancelledRunningJobLosesItsActiveTask() {
    facts.task = task(true, "executing", false, null);
    Decision d = decide(running(TestJob.of("a").cancelled()));
    assertDecision(d, Effect.CANCEL_TASK, State.FAILED, StatusCode.CANCELLED_BY_USER, null);
  }

  @Test
  void aCancelledRunningJobWhoseTaskEndedHasNothingToCancel() {
    facts.task = task(false, "finalized", true, Harness.ok(0));
    Decision d = decide(running(TestJob.of("a").cancelled()));
    assertDecision(d, Effect.WRITE, State.FAILED, StatusCode.CANCELLED_BY_USER, null);
  }

  // 2.2 paused backend: pending jobs only

  @Test
  void aPausedBackendStartsNothing() {
    facts.paused = true;
    Decision d = decide(pending(TestJob.of("a")));
    assertDecision(
        d, Effect.WRITE, State.PENDING, StatusCode.WAITING_PAUSED, StatusMessages.PAUSED);
  }

  @Test
  void aJobWaitingOnARebootKeepsSayingSoWhilePaused() {
    facts.paused = true;
    Job job =
        pending(
            TestJob.of("a")
                .status(
                    State.PENDING, StatusCode.WAITING_ON_REBOOT, StatusMessages.WAITING_ON_REBOOT));
    Decision d = decide(job);
    assertDecision(
        d,
        Effect.WRITE,
        State.PENDING,
        StatusCode.WAITING_ON_REBOOT,
        StatusMessages.WAITING_ON_REBOOT);
    assertEquals(StatusBook.Kind.REFRESH, d.outcome().kind(), "unchanged: only the keep-alive");
  }

  @Test
  void pausingLeavesRunningJobsRunning() {
    facts.paused = true;
    facts.task = task(true, "executing", false, null);
    Decision d = decide(running(TestJob.of("a")));
    assertDecision(d, Effect.WRITE, State.RUNNING, StatusCode.EXECUTING, null);
  }

  // 2.3 database maintenance: database jobs only

  @Test
  void maintenanceHoldsPendingDatabaseJobs() {
    facts.maintenance = true;
    Decision d = decide(pending(TestJob.of("a").db()));
    assertDecision(
        d,
        Effect.WRITE,
        State.PENDING,
        StatusCode.WAITING_DB_MAINTENANCE,
        StatusMessages.WAITING_DB_MAINTENANCE);
  }

  @Test
  void maintenanceResetsRunningDatabaseJobsAndCancelsTheirTasks() {
    facts.maintenance = true;
    facts.task = task(true, "executing", false, null);
    Decision d = decide(running(TestJob.of("a").db()));
    assertDecision(d, Effect.CANCEL_TASK, State.PENDING, StatusCode.WAITING_DB_MAINTENANCE, null);
    assertNull(d.outcome().job().startedAt(), "a reset code clears started_at");
  }

  @Test
  void maintenanceLeavesOtherJobsAlone() {
    facts.maintenance = true;
    Decision d = decide(pending(TestJob.of("a")));
    assertDecision(d, Effect.START_TASK, State.RUNNING, StatusCode.INITIATED, null);
  }

  // 2.4 pending

  @Test
  void aFailedDependencyFailsTheJob() {
    facts.dependencies.addAll(List.of(State.SUCCEEDED, State.RUNNING, State.FAILED));
    Decision d = decide(pending(TestJob.of("a")));
    assertDecision(
        d,
        Effect.WRITE,
        State.FAILED,
        StatusCode.DEPENDENCY_FAILED,
        StatusMessages.DEPENDENCY_FAILED);
    assertEquals(NOW_S, d.outcome().job().completedAt());
  }

  @Test
  void anUnfinishedDependencyMakesTheJobWait() {
    facts.dependencies.addAll(List.of(State.SUCCEEDED, State.PENDING));
    Decision d = decide(pending(TestJob.of("a")));
    assertDecision(
        d,
        Effect.WRITE,
        State.PENDING,
        StatusCode.WAITING_ON_DEPENDENCIES,
        StatusMessages.WAITING_ON_DEPENDENCIES);
  }

  @Test
  void aJobWhoseDependenciesSucceededAndThatFitsStarts() {
    facts.dependencies.add(State.SUCCEEDED);
    facts.room = JobFacts.Room.of(9, 1, 10);
    Decision d = decide(pending(TestJob.of("a")));
    assertDecision(
        d, Effect.START_TASK, State.RUNNING, StatusCode.INITIATED, StatusMessages.INITIATED);
    assertEquals(NOW_S, d.outcome().job().startedAt());
    assertEquals(NOW, d.outcome().job().statusCodeUpdatedAt());
  }

  @Test
  void aJobThatDoesNotFitWaitsOnWorkers() {
    facts.room = JobFacts.Room.of(9.5, 1, 10);
    assertDecision(
        decide(pending(TestJob.of("a"))),
        Effect.WRITE,
        State.PENDING,
        StatusCode.WAITING_ON_WORKERS,
        StatusMessages.WAITING_ON_WORKERS);
    facts.room = JobFacts.Room.of(0, 4, 3);
    assertDecision(
        decide(pending(TestJob.of("a"))),
        Effect.WRITE,
        State.PENDING,
        StatusCode.WAITING_ON_WORKERS,
        StatusMessages.WAITING_ON_WORKERS + StatusMessages.RESOURCE_INTENSIVE_SUFFIX);
    assertDecision(
        decide(pending(TestJob.of("a").db())),
        Effect.WRITE,
        State.PENDING,
        StatusCode.WAITING_ON_DB_WORKERS,
        StatusMessages.WAITING_ON_DB_WORKERS);
  }

  // 2.5 running

  @Test
  void aRunningJobWithoutTaskIsAnErrorOfThatJob() {
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> decide(running(TestJob.of("a"))));
    assertTrue(e.getMessage().contains("has no RUNJOB task"), e.getMessage());
  }

  @Test
  void aRunningJobMirrorsTheAgentsStageWithTheAgentsTime() {
    facts.task = task(true, "finalizing", false, null);
    Decision d = decide(running(TestJob.of("a")));
    assertDecision(d, Effect.WRITE, State.RUNNING, StatusCode.FINALIZING, null);
    assertEquals(NOW - 5, d.outcome().job().statusCodeUpdatedAt());
    assertNull(d.results(), "nothing completed yet");
  }

  @Test
  void anUnknownStageKeepsTheCode() {
    facts.task = task(true, "what", false, null);
    Decision d = decide(running(TestJob.of("a")));
    assertDecision(d, Effect.WRITE, State.RUNNING, StatusCode.EXECUTING, null);
    assertEquals(StatusBook.Kind.REFRESH, d.outcome().kind());
  }

  @Test
  void theResultsOfACompletedTaskDecideTheJob() {
    facts.task = task(false, "finalized", true, Harness.ok(0));
    Decision d = decide(running(TestJob.of("a")));
    assertDecision(
        d, Effect.WRITE, State.SUCCEEDED, StatusCode.SUCCEEDED, StatusMessages.SUCCEEDED);
    assertSame(facts.task.agentResults(), d.results(), "the results go to the job's trace");
    assertEquals((NOW - 5) / 1_000_000_000L, d.outcome().job().completedAt());

    facts.task = task(false, "finalized", true, Harness.ok(3));
    assertDecision(
        decide(running(TestJob.of("a"))),
        Effect.WRITE,
        State.FAILED,
        StatusCode.NONZERO_EXIT,
        null);

    facts.task = task(false, "finalized", true, Harness.ok(0).put("has_unmatched_patterns", true));
    assertDecision(
        decide(running(TestJob.of("a"))),
        Effect.WRITE,
        State.FAILED,
        StatusCode.UNMATCHED_PATTERNS,
        StatusMessages.UNMATCHED_PATTERNS);
  }

  @Test
  void anAgentErrorGetsANewTaskUntilTheAttemptsAreUsedUp() {
    JsonObject error = new JsonObject().put("error", "docker went away");
    facts.task = task(false, "error", true, error);
    facts.erroredAttempts = MAX_ATTEMPTS - 1;
    Decision d = decide(running(TestJob.of("a")));
    assertDecision(
        d,
        Effect.WRITE,
        State.PENDING,
        StatusCode.WAITING_ON_NEW_TASK,
        StatusMessages.WAITING_ON_NEW_TASK);
    assertNull(d.outcome().job().startedAt());

    facts.erroredAttempts = MAX_ATTEMPTS;
    d = decide(running(TestJob.of("a")));
    assertDecision(
        d,
        Effect.WRITE,
        State.FAILED,
        StatusCode.JOB_ERROR,
        JobRules.retriesExhausted(MAX_ATTEMPTS));
    assertTrue(d.warning().contains("docker went away"), d.warning());
  }

  @Test
  void aFatalAgentErrorFailsTheJobAtOnce() {
    facts.task =
        task(false, "error", true, new JsonObject().put("error", TaskResults.FATAL_TEST_HOOK));
    facts.erroredAttempts = 1;
    assertDecision(
        decide(running(TestJob.of("a"))),
        Effect.WRITE,
        State.FAILED,
        StatusCode.JOB_ERROR,
        StatusMessages.JOB_ERROR);
  }

  @Test
  void aPermanentAgentErrorFailsTheJobAtOnceWithItsMessage() {
    JsonObject error =
        new JsonObject()
            .put("exception", "OutputsRefused")
            .put("message", "Outputs refused: more than 1000 files")
            .put("permanent", true);
    facts.task = task(false, "error", true, new JsonObject().put("error", error));
    facts.erroredAttempts = 1;
    assertDecision(
        decide(running(TestJob.of("a"))),
        Effect.WRITE,
        State.FAILED,
        StatusCode.JOB_ERROR,
        StatusMessages.JOB_ERROR + " Outputs refused: more than 1000 files");
    // without the mark the same error is retried with a new task
    facts.task =
        task(
            false,
            "error",
            true,
            new JsonObject().put("error", error.copy().put("permanent", false)));
    assertDecision(
        decide(running(TestJob.of("a"))),
        Effect.WRITE,
        State.PENDING,
        StatusCode.WAITING_ON_NEW_TASK,
        StatusMessages.WAITING_ON_NEW_TASK);
  }

  @Test
  void completedResultsWithoutAnErrorKeyAreAnErrorOfTheJob() {
    facts.task = task(false, "finalized", true, new JsonObject().put("exit_code", 0));
    assertThrows(IllegalStateException.class, () -> decide(running(TestJob.of("a"))));
  }

  // the scheduler failing on a job

  @Test
  void aJobTheSchedulerKeepsFailingOnEndsWithAnInternalError() {
    Decision d = rules.failedInScheduler(pending(TestJob.of("a")), NOW);
    assertDecision(
        d, Effect.WRITE, State.FAILED, StatusCode.INTERNAL_ERROR, StatusMessages.INTERNAL_ERROR);
    d = rules.failedInScheduler(running(TestJob.of("a")), NOW);
    assertDecision(d, Effect.CANCEL_TASK, State.FAILED, StatusCode.INTERNAL_ERROR, null);
  }

  // bookkeeping

  @Test
  void anUnchangedJobIsRefreshedEveryMinuteOnly() {
    facts.dependencies.add(State.RUNNING);
    TestJob t =
        TestJob.of("a")
            .status(
                State.PENDING,
                StatusCode.WAITING_ON_DEPENDENCIES,
                StatusMessages.WAITING_ON_DEPENDENCIES);
    t.updatedAt = NOW_S - 10;
    assertEquals(StatusBook.Kind.NONE, decide(pending(t)).outcome().kind());
    t.updatedAt = NOW_S - StatusBook.REFRESH_SECONDS;
    Decision d = decide(pending(t));
    assertEquals(StatusBook.Kind.REFRESH, d.outcome().kind());
    assertEquals(NOW_S, d.outcome().job().updatedAt());
  }

  @Test
  void theAttemptOfATaskIdIsItsNumber() {
    assertEquals(12, JobRules.attemptNumber("abcdefghijklmnop-012"));
    assertEquals(1, JobRules.attemptNumber("no-number-here"));
  }
}

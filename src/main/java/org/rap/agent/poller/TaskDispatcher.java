package org.rap.agent.poller;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;
import org.rap.agent.executor.ExecutorException;
import org.rap.agent.telemetry.AgentSpans;
import org.rap.common.model.TaskType;
import org.rap.common.tasks.AgentTask;
import org.rap.common.tasks.TaskUpdate;

/**
 * Starts handlings for the tasks of one poll. Guarantees at most one in-flight handling per task id
 * and per job (a RUNJOB and a CANCELJOB of the same job are never handled concurrently), bounds the
 * number of concurrent handlings (tasks handled least recently go first, DBSTATUS before
 * everything, so no task starves), isolates failures ("task error" is logged and the task is
 * retried on a later round) and skips tasks it already reported complete until the controller stops
 * listing them.
 *
 * <p>No task waits for the next poll to make progress: a RUNJOB that advanced (prepared, or its
 * container already exited) is handled again at once; one whose container runs is handled again
 * when Docker reports the exit ({@link JobTaskHandler#awaitExit}, no polling); tasks of the last
 * poll that were held back by the bound start as soon as a handling finishes; a failed handling is
 * retried after {@code retryDelay}. The agent stays stateless: every handling re-derives the job's
 * state from Docker and disk, and these are only wake-ups.
 */
public final class TaskDispatcher {
  private static final Logger LOG = Logger.getLogger(TaskDispatcher.class.getName());

  private final JobTaskHandler jobs;
  private final DbTaskHandler db;
  private final UpdateSink sink;
  private final int maxConcurrent;
  private final Map<String, Future<Handled>> inFlight = new LinkedHashMap<>();

  /** Jobs with an in-flight RUNJOB or CANCELJOB handling: one handling per job at a time. */
  private final Set<String> busyJobs = new HashSet<>();

  private final Set<String> completed = new HashSet<>();
  private final Map<String, Long> lastStarted = new HashMap<>();

  /** Tasks that may be handled again at once (they advanced, or their container exited). */
  private final Set<String> ready = new HashSet<>();

  /** RUNJOB tasks whose container exit is being awaited. */
  private final Set<String> watching = new HashSet<>();

  private final Duration retryDelay;
  private final RepeatedFailures failures =
      new RepeatedFailures(LOG, Duration.ofMinutes(1).toNanos(), System::nanoTime);

  /**
   * RUNJOB tasks held under a lease that the controller stopped listing while this agent was
   * running them (the lease ran out or was released): stopped and removed, nothing reported.
   */
  private final Map<String, AgentTask> lost = new LinkedHashMap<>();

  /** In-flight RUNJOB handlings whose task stopped being listed: lost unless they complete. */
  private final Map<String, AgentTask> vanished = new HashMap<>();

  private String agentId;
  private boolean reconciled;
  private AgentSpans spans = AgentSpans.none();
  private List<AgentTask> latest = List.of();
  private Context context;
  private boolean redispatchQueued;
  private long sequence;
  private boolean stopped;

  public TaskDispatcher(JobTaskHandler jobs, DbTaskHandler db, UpdateSink sink, int maxConcurrent) {
    this(jobs, db, sink, maxConcurrent, Duration.ofSeconds(1));
  }

  /** {@code retryDelay}: a failed handling is tried again after this long (and on every poll). */
  public TaskDispatcher(
      JobTaskHandler jobs,
      DbTaskHandler db,
      UpdateSink sink,
      int maxConcurrent,
      Duration retryDelay) {
    this.jobs = jobs;
    this.db = db;
    this.sink = sink;
    this.maxConcurrent = Math.max(1, maxConcurrent);
    this.retryDelay = retryDelay;
  }

  /**
   * As the named agent {@code id}: after the first poll, runs it started for tasks it no longer
   * holds are removed (a restart after its leases ran out: docs/spec/task-api.md section 8.3).
   */
  public TaskDispatcher ownedBy(String id) {
    this.agentId = id;
    return this;
  }

  /** Handlings traced as the job-runner's AGENT_LOOP and LOOP_TASK spans. */
  public TaskDispatcher traced(AgentSpans agentSpans) {
    this.spans = agentSpans;
    return this;
  }

  /**
   * Starts a handling for every listed task that is not already in flight (within the bound). Call
   * on the poller's context: re-handlings are started there.
   */
  public synchronized void dispatch(List<AgentTask> tasks) {
    if (stopped) {
      return;
    }
    Context current = Vertx.currentContext();
    if (current != null) {
      context = current;
    }
    Set<String> listed = new HashSet<>();
    tasks.forEach(t -> listed.add(t.id()));
    findLost(tasks, listed);
    latest = List.copyOf(tasks);
    completed.retainAll(listed);
    failures.retainOnly(listed);
    lastStarted.keySet().retainAll(listed);
    ready.retainAll(listed);
    List<AgentTask> candidates = new ArrayList<>(lostCandidates());
    for (AgentTask t : tasks) {
      if (!inFlight.containsKey(t.id()) && !completed.contains(t.id())) {
        candidates.add(t);
      }
    }
    AgentSpans.Round round = spans.round();
    startWithinBound(candidates, round);
    spans.close(round);
    if (agentId != null && !reconciled) {
      reconciled = true;
      Set<String> jobsListed = new HashSet<>();
      tasks.forEach(t -> jobsListed.add(jobKey(t)));
      jobs.removeLostRuns(agentId, listed, jobsListed)
          .onFailure(e -> LOG.warning("Could not remove runs of lost tasks: " + e.getMessage()));
    }
  }

  /**
   * RUNJOB tasks of the previous list held under a lease, started here, not completed, and no
   * longer listed without a cancellation of their job: this agent lost them.
   */
  private void findLost(List<AgentTask> tasks, Set<String> listed) {
    Set<String> cancelled = new HashSet<>();
    for (AgentTask t : tasks) {
      if (t.type() == TaskType.CANCELJOB) {
        cancelled.add(jobKey(t));
      }
    }
    for (AgentTask t : latest) {
      String id = t.id();
      if (t.type() != TaskType.RUNJOB
          || t.lease() == null
          || listed.contains(id)
          || completed.contains(id)
          || !lastStarted.containsKey(id)
          || cancelled.contains(jobKey(t))) {
        continue;
      }
      if (inFlight.containsKey(id)) {
        vanished.put(id, t);
      } else {
        lost.put(id, t);
      }
    }
  }

  private List<AgentTask> lostCandidates() {
    List<AgentTask> out = new ArrayList<>();
    for (AgentTask t : lost.values()) {
      if (!inFlight.containsKey(t.id())) {
        out.add(t);
      }
    }
    return out;
  }

  /**
   * Between polls: starts the tasks of the last poll that are ready (advanced, container exited,
   * retry due) or were never started (held back by the bound). A RUNJOB whose job has a CANCELJOB
   * listed is left alone: the cancellation handles that job.
   */
  private synchronized void redispatch() {
    redispatchQueued = false;
    if (stopped) {
      return;
    }
    Set<String> cancelled = new HashSet<>();
    for (AgentTask t : latest) {
      if (t.type() == TaskType.CANCELJOB) {
        cancelled.add(jobKey(t));
      }
    }
    List<AgentTask> candidates = new ArrayList<>(lostCandidates());
    for (AgentTask t : latest) {
      String id = t.id();
      if (inFlight.containsKey(id) || completed.contains(id)) {
        continue;
      }
      if (t.type() == TaskType.RUNJOB && cancelled.contains(jobKey(t))) {
        ready.remove(id);
        continue;
      }
      if (ready.contains(id) || !lastStarted.containsKey(id)) {
        candidates.add(t);
      }
    }
    if (!candidates.isEmpty()) {
      AgentSpans.Round round = spans.round();
      startWithinBound(candidates, round);
      spans.close(round);
    }
  }

  /** Runs {@link #redispatch} soon on the poller's context (never re-entrantly). */
  private void queueRedispatch() {
    if (redispatchQueued || stopped) {
      return;
    }
    redispatchQueued = true;
    if (context != null) {
      context.runOnContext(v -> redispatch());
    } else {
      redispatchQueued = false;
    }
  }

  private void startWithinBound(List<AgentTask> candidates, AgentSpans.Round round) {
    candidates.sort(
        Comparator.comparing((AgentTask t) -> !lost.containsKey(t.id()))
            .thenComparing(t -> t.type() != TaskType.DBSTATUS)
            .thenComparing(t -> lastStarted.getOrDefault(t.id(), -1L)));
    for (AgentTask t : candidates) {
      if (inFlight.size() >= maxConcurrent) {
        break;
      }
      String job = jobKey(t);
      if (job != null && busyJobs.contains(job)) {
        continue; // e.g. a CANCELJOB while the RUNJOB is still being handled: next round
      }
      if (job != null) {
        busyJobs.add(job);
      }
      start(t, job, round);
    }
  }

  private static String jobKey(AgentTask t) {
    if (!t.type().isJobTask()) {
      return null;
    }
    Object id = t.definition().getValue("id");
    return id == null ? "task:" + t.id() : String.valueOf(id);
  }

  private void start(AgentTask task, String job, AgentSpans.Round round) {
    lastStarted.put(task.id(), sequence++);
    ready.remove(task.id());
    Future<Handled> f;
    try {
      f = spans.task(round, task, () -> handle(task));
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    inFlight.put(task.id(), f);
    f.onComplete(
        ar -> {
          synchronized (this) {
            inFlight.remove(task.id());
            if (job != null) {
              busyJobs.remove(job);
            }
            AgentTask gone = vanished.remove(task.id());
            if (gone != null && !(ar.succeeded() && ar.result() == Handled.COMPLETE)) {
              lost.put(task.id(), gone);
            } else if (lost.containsKey(task.id()) && ar.succeeded()) {
              lost.remove(task.id());
              completed.add(task.id());
            }
            if (ar.failed()) {
              if (!(ar.cause() instanceof TaskApiException api && api.unauthorised())) {
                retryLater(task.id());
              }
            } else {
              switch (ar.result()) {
                case COMPLETE -> completed.add(task.id());
                case ADVANCED -> ready.add(task.id());
                case RUNNING -> watchExit(task);
                case UNCHANGED -> {}
              }
            }
            // the finished handling frees a slot and maybe its job: others may start now
            queueRedispatch();
          }
          if (ar.failed()) {
            Throwable e = ar.cause();
            if (e instanceof TaskApiException api && api.unauthorised()) {
              return; // reported once by the client as fatal
            }
            // retried every second: the same failure is logged in full once, then summarised
            failures.failed(
                task.id(),
                "task error: " + task.type() + " task " + task.id() + ": " + e.getMessage(),
                e instanceof TaskApiException || e instanceof ExecutorException ? null : e);
          } else {
            failures.succeeded(task.id());
          }
        });
  }

  /** Marks a task ready once its container has exited (at most one watch per task). */
  private void watchExit(AgentTask task) {
    String id = task.id();
    if (ready.contains(id) || !watching.add(id)) {
      return;
    }
    Future<Void> exited;
    try {
      exited = jobs.awaitExit(task);
    } catch (RuntimeException e) {
      exited = Future.failedFuture(e);
    }
    exited.onComplete(
        ar -> {
          synchronized (this) {
            watching.remove(id);
            if (ar.succeeded()) {
              ready.add(id);
              queueRedispatch();
            } else {
              // no exit notification: the task is handled again on the next poll
              LOG.fine("Not watching the container of task " + id + ": " + ar.cause());
            }
          }
        });
  }

  /** A failed handling is tried again after {@code retryDelay} (a poll may come first). */
  private void retryLater(String id) {
    if (context == null || stopped) {
      return;
    }
    context
        .owner()
        .setTimer(
            Math.max(1, retryDelay.toMillis()),
            t -> {
              synchronized (this) {
                if (!stopped && lastStarted.containsKey(id)) {
                  ready.add(id);
                  queueRedispatch();
                }
              }
            });
  }

  private Future<Handled> handle(AgentTask task) {
    if (lost.containsKey(task.id())) {
      return jobs.abandon(task, "the controller no longer lists it to this agent")
          .map(Handled.COMPLETE);
    }
    return switch (task.type()) {
      case RUNJOB -> jobs.runJobStep(task);
      case CANCELJOB ->
          jobs.cancelJob(task).map(done -> done ? Handled.COMPLETE : Handled.UNCHANGED);
      case DBSTATUS, DBDATACHECK ->
          db.envelope(task)
              .compose(env -> sink.post(new TaskUpdate(task.id(), "", env, true, null)))
              .map(Handled.COMPLETE);
    };
  }

  public synchronized int inFlightCount() {
    return inFlight.size();
  }

  public synchronized boolean isInFlight(String taskId) {
    return inFlight.containsKey(taskId);
  }

  /**
   * Starts no new handlings and completes when the in-flight ones have finished, or after {@code
   * timeout} (the rest continue in the background; state is re-derived on restart).
   */
  public Future<Void> drain(Vertx vertx, Duration timeout) {
    List<Future<Handled>> pending;
    synchronized (this) {
      stopped = true;
      pending = new ArrayList<>(inFlight.values());
    }
    if (pending.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    long timer =
        vertx.setTimer(
            Math.max(1, timeout.toMillis()),
            id -> {
              if (done.tryComplete()) {
                LOG.warning(inFlightCount() + " task handling(s) still running at shutdown");
              }
            });
    Future.join(pending)
        .onComplete(
            ar -> {
              vertx.cancelTimer(timer);
              done.tryComplete();
            });
    return done.future();
  }
}

package org.rap.agent.poller;

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
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.model.TaskType;

/**
 * Starts handlings for the tasks of one poll. Guarantees at most one in-flight handling per task
 * id and per job (a RUNJOB and a CANCELJOB of the same job are never handled concurrently), bounds the number of concurrent handlings (tasks handled least recently go first, DBSTATUS
 * before everything, so no task starves), isolates failures ("task error" is logged and the task
 * is retried on a later round) and skips tasks it already reported complete until the controller
 * stops listing them.
 */
public final class TaskDispatcher {
  private static final Logger LOG = Logger.getLogger(TaskDispatcher.class.getName());

  private final JobTaskHandler jobs;
  private final DbTaskHandler db;
  private final UpdateSink sink;
  private final int maxConcurrent;
  private final Map<String, Future<Boolean>> inFlight = new LinkedHashMap<>();
  /** Jobs with an in-flight RUNJOB or CANCELJOB handling: one handling per job at a time. */
  private final Set<String> busyJobs = new HashSet<>();
  private final Set<String> completed = new HashSet<>();
  private final Map<String, Long> lastStarted = new HashMap<>();
  private long sequence;
  private boolean stopped;

  public TaskDispatcher(JobTaskHandler jobs, DbTaskHandler db, UpdateSink sink, int maxConcurrent) {
    this.jobs = jobs;
    this.db = db;
    this.sink = sink;
    this.maxConcurrent = Math.max(1, maxConcurrent);
  }

  /** Starts a handling for every listed task that is not already in flight (within the bound). */
  public synchronized void dispatch(List<AgentTask> tasks) {
    if (stopped) {
      return;
    }
    Set<String> listed = new HashSet<>();
    tasks.forEach(t -> listed.add(t.id()));
    completed.retainAll(listed);
    lastStarted.keySet().retainAll(listed);
    List<AgentTask> candidates = new ArrayList<>();
    for (AgentTask t : tasks) {
      if (!inFlight.containsKey(t.id()) && !completed.contains(t.id())) {
        candidates.add(t);
      }
    }
    candidates.sort(
        Comparator.comparing((AgentTask t) -> t.type() != TaskType.DBSTATUS)
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
      start(t, job);
    }
  }

  private static String jobKey(AgentTask t) {
    if (!t.type().isJobTask()) {
      return null;
    }
    Object id = t.definition().getValue("id");
    return id == null ? "task:" + t.id() : String.valueOf(id);
  }

  private void start(AgentTask task, String job) {
    lastStarted.put(task.id(), sequence++);
    Future<Boolean> f;
    try {
      f = handle(task);
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
            if (ar.succeeded() && Boolean.TRUE.equals(ar.result())) {
              completed.add(task.id());
            }
          }
          if (ar.failed()) {
            Throwable e = ar.cause();
            if (e instanceof TaskApiException api && api.unauthorised()) {
              return; // reported once by the client as fatal
            }
            LOG.log(
                Level.WARNING,
                "task error: " + task.type() + " task " + task.id() + ": " + e.getMessage(),
                e instanceof TaskApiException || e instanceof org.rap.agent.executor.ExecutorException ? null : e);
          }
        });
  }

  private Future<Boolean> handle(AgentTask task) {
    return switch (task.type()) {
      case RUNJOB -> jobs.runJob(task);
      case CANCELJOB -> jobs.cancelJob(task);
      case DBSTATUS, DBDATACHECK ->
          db.envelope(task).compose(env -> sink.post(new TaskUpdate(task.id(), "", env, true, null))).map(true);
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
    List<Future<Boolean>> pending;
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

package org.rap.agent.poller;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.tasks.AgentTask;

/**
 * The agent loop (docs/spec/agent-executor.md section 1, improved as docs/spec/task-api.md section
 * 7 and docs/spec/peers.md allow): fetch the backend's active tasks, long polling when configured,
 * and hand them to the {@link TaskDispatcher}. Polls start at most once per interval (plus up to 10
 * % jitter) unless the controller held the request for at least that long, so a controller that
 * ignores {@code wait} is polled every interval and one that supports it is asked again at once. A
 * controller that versions the task list ({@link TaskPoll#VERSION_HEADER}) is sent the version the
 * agent already has, holds the request until the list changes (at most {@link #ACTIVE_WAIT_SECONDS}
 * while tasks are active, so running jobs are still reported regularly), and is asked again at once
 * when the list changed: a new task reaches the agent as soon as the controller creates it, busy or
 * not. Transient errors back off exponentially with jitter (to at most a few seconds), a {@code
 * Retry-After} from the controller (a 503 while its database is not answering) is honoured as
 * given, and neither stops the loop; a 401/403 stops it for good.
 */
public final class PollerVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(PollerVerticle.class.getName());

  /** Longest hold asked for while tasks are active (each answer re-reports running jobs). */
  static final int ACTIVE_WAIT_SECONDS = 5;

  private static final long FAILURE_LOG_NANOS = 30_000_000_000L;

  private final TaskApiClient api;
  private final TaskDispatcher dispatcher;
  private final PollerSettings settings;
  private final FatalErrors fatal;
  private final Random random = new Random();
  private Backoff backoff;
  private long lastFailureLog;
  private volatile boolean stopped;
  private long timerId = -1;
  private long polls;

  /** Version of the task list of the last answer (null: none, or the controller has none). */
  private String known;

  private boolean hasTasks;
  private Set<String> seen = Set.of();

  public PollerVerticle(
      TaskApiClient api, TaskDispatcher dispatcher, PollerSettings settings, FatalErrors fatal) {
    this.api = api;
    this.dispatcher = dispatcher;
    this.settings = settings;
    this.fatal = fatal;
  }

  @Override
  public Future<?> start() {
    backoff = new Backoff(settings.backoffBase(), settings.backoffCap(), random);
    context.runOnContext(v -> poll());
    return Future.succeededFuture();
  }

  private void poll() {
    timerId = -1;
    if (stopped || fatal.isFatal()) {
      return;
    }
    long started = System.nanoTime();
    polls++;
    int wait = settings.longPollSeconds();
    String sent = wait > 0 ? known : null;
    if (sent != null && hasTasks) {
      wait = Math.min(wait, ACTIVE_WAIT_SECONDS);
    }
    api.poll(wait, sent)
        .onComplete(
            ar -> {
              if (stopped) {
                return;
              }
              if (ar.succeeded()) {
                if (backoff.attempts() > 0) {
                  LOG.info(
                      "Polling the controller works again after "
                          + backoff.attempts()
                          + " failed attempt(s)");
                  lastFailureLog = 0;
                }
                backoff.reset();
                List<AgentTask> tasks = ar.result().tasks();
                logReceived(tasks);
                try {
                  dispatcher.dispatch(tasks);
                } catch (RuntimeException e) {
                  LOG.log(Level.WARNING, "Dispatching tasks failed", e);
                }
                String version = ar.result().version();
                known = version;
                hasTasks = !tasks.isEmpty();
                Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
                boolean changed = version != null && !version.equals(sent);
                // a versioning controller holds the next request until the list changes
                schedule(
                    changed && settings.longPollSeconds() > 0 ? Duration.ZERO : paced(elapsed));
              } else {
                Throwable e = ar.cause();
                if (e instanceof TaskApiException t && t.unauthorised()) {
                  LOG.severe("Polling stopped: the controller rejected CONTROLLER_TASK_API_TOKEN");
                  stopped = true;
                  return;
                }
                Duration delay =
                    backoff.next(e instanceof TaskApiException t ? t.retryAfter() : null);
                // the first failure at once, then one line every 30 s: an outage retries often
                long now = System.nanoTime();
                if (lastFailureLog == 0 || now - lastFailureLog >= FAILURE_LOG_NANOS) {
                  lastFailureLog = now;
                  LOG.warning(
                      "Polling the controller failed (attempt "
                          + backoff.attempts()
                          + ", retrying in "
                          + delay.toMillis()
                          + " ms): "
                          + e.getMessage());
                }
                schedule(delay);
              }
            });
  }

  /** Logs each task the first time a poll lists it ("Received <type> task <id>"). */
  private void logReceived(List<AgentTask> tasks) {
    Set<String> ids = new HashSet<>();
    for (AgentTask t : tasks) {
      ids.add(t.id());
      if (!seen.contains(t.id())) {
        LOG.info("Received " + t.type().value() + " task " + t.id());
      }
    }
    seen = ids;
  }

  /** Time left of this poll's interval, with jitter; zero when the controller held the request. */
  private Duration paced(Duration elapsed) {
    long interval = settings.interval().toMillis();
    long left = interval - elapsed.toMillis();
    if (left <= 0) {
      return Duration.ZERO;
    }
    long jitter = (long) (random.nextDouble() * interval * 0.1);
    return Duration.ofMillis(left + jitter);
  }

  private void schedule(Duration delay) {
    if (stopped) {
      return;
    }
    long ms = delay.toMillis();
    if (ms <= 0) {
      context.runOnContext(v -> poll());
    } else {
      timerId = vertx.setTimer(ms, id -> poll());
    }
  }

  /** Number of polls started so far (for tests and diagnostics). */
  public long polls() {
    return polls;
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    return dispatcher.drain(vertx, settings.drainTimeout());
  }
}

package org.rap.agent.poller;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.logging.Logger;

/**
 * The agent loop (agent-executor.md section 1, improved as task-api.md section 7 and peers.md
 * allow): fetch the backend's active tasks, long polling when configured, and hand them to the
 * {@link TaskDispatcher}. Polls start at most once per interval (plus up to 10 % jitter) unless
 * the controller held the request for at least that long, so a controller that ignores {@code
 * wait} is polled every interval and one that supports it is asked again at once. Transient errors
 * back off exponentially with jitter and never stop the loop; a 401/403 stops it for good.
 */
public final class PollerVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(PollerVerticle.class.getName());

  private final TaskApiClient api;
  private final TaskDispatcher dispatcher;
  private final PollerSettings settings;
  private final FatalErrors fatal;
  private final Random random = new Random();
  private Backoff backoff;
  private volatile boolean stopped;
  private long timerId = -1;
  private long polls;

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
    api.fetchTasks(settings.longPollSeconds())
        .onComplete(
            ar -> {
              if (stopped) {
                return;
              }
              if (ar.succeeded()) {
                backoff.reset();
                List<AgentTask> tasks = ar.result();
                try {
                  dispatcher.dispatch(tasks);
                } catch (RuntimeException e) {
                  LOG.log(java.util.logging.Level.WARNING, "Dispatching tasks failed", e);
                }
                Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
                schedule(paced(elapsed));
              } else {
                Throwable e = ar.cause();
                if (e instanceof TaskApiException t && t.unauthorised()) {
                  LOG.severe("Polling stopped: the controller rejected CONTROLLER_TASK_API_TOKEN");
                  stopped = true;
                  return;
                }
                Duration delay =
                    backoff.next(e instanceof TaskApiException t ? t.retryAfter() : null);
                LOG.warning(
                    "Polling the controller failed (attempt "
                        + backoff.attempts()
                        + ", retrying in "
                        + delay.toMillis()
                        + " ms): "
                        + e.getMessage());
                schedule(delay);
              }
            });
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

package org.rap.agent.executor.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.rap.agent.executor.ExecutorRetry;
import org.rap.common.config.KubernetesConfig;
import org.rap.common.model.JobDefinition;

/**
 * Waiting for a job's pod to stop without blocking anything (the executor's {@code awaitExit}): a
 * watch on the job's pods wakes the waiter when a pod finishes or goes, and a timer checks the run
 * again every {@link #recheckMillis} (a watch can miss an event when its connection is replaced,
 * and a pod that waits for its node or image fails the job once {@code K8S_PENDING_TIMEOUT} has
 * passed, which no event announces). The check runs on a worker thread; the watch is opened on one
 * too. At most {@link #MAX_WATCHES} at once; beyond that the caller polls.
 */
final class ExitWatches {
  static final int MAX_WATCHES = 256;
  private static final long MAX_RECHECK_MILLIS = 10_000;

  private final Vertx vertx;
  private final KubernetesExecutor executor;
  private final long recheckMillis;
  private final Semaphore permits = new Semaphore(MAX_WATCHES);

  ExitWatches(Vertx vertx, KubernetesExecutor executor, KubernetesConfig config) {
    this.vertx = vertx;
    this.executor = executor;
    this.recheckMillis =
        Math.max(1000, Math.min(MAX_RECHECK_MILLIS, config.pendingTimeout().toMillis() / 2));
  }

  /** Completes on the caller's context once the job's run no longer runs by itself. */
  Future<Void> await(JobDefinition job) {
    if (!permits.tryAcquire()) {
      return Future.failedFuture(new ExecutorRetry("too many Kubernetes Jobs watched at once"));
    }
    Context context = vertx.getOrCreateContext();
    Promise<Void> exited = Promise.promise();
    AtomicReference<Watch> watch = new AtomicReference<>();
    AtomicBoolean done = new AtomicBoolean();
    long[] timer = {-1};
    Runnable finish =
        () -> {
          if (done.compareAndSet(false, true)) {
            permits.release();
            vertx.cancelTimer(timer[0]);
            Watch w = watch.getAndSet(null);
            if (w != null) {
              vertx.executeBlocking(
                  () -> {
                    w.close();
                    return null;
                  },
                  false);
            }
            context.runOnContext(v -> exited.tryComplete());
          }
        };
    Runnable check =
        () ->
            vertx
                .executeBlocking(() -> done.get() || executor.stillRunning(job), false)
                .onSuccess(
                    running -> {
                      if (!running) {
                        finish.run();
                      }
                    });
    vertx
        .executeBlocking(
            () -> {
              Watch w =
                  executor
                      .client()
                      .pods()
                      .inNamespace(executor.namespace())
                      .withLabels(KubernetesJobSpec.selector(job.id()))
                      .watch(watcher(finish));
              watch.set(w);
              if (done.get()) {
                watch.set(null);
                w.close();
              }
              return !executor.stillRunning(job); // after the watch opened: no change is missed
            },
            false)
        .onSuccess(
            stopped -> {
              if (stopped) {
                finish.run();
              } else if (!done.get()) {
                timer[0] = vertx.setPeriodic(recheckMillis, id -> check.run());
                if (done.get()) {
                  vertx.cancelTimer(timer[0]);
                }
              }
            })
        .onFailure(
            e -> {
              if (done.compareAndSet(false, true)) {
                permits.release();
                Watch w = watch.getAndSet(null);
                if (w != null) {
                  w.close();
                }
                context.runOnContext(v -> exited.tryFail(e));
              }
            });
    return exited.future();
  }

  private static Watcher<Pod> watcher(Runnable finish) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, Pod pod) {
        if (action == Action.DELETED || KubernetesRuns.podFinished(pod) || waitingForever(pod)) {
          finish.run();
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        finish.run(); // the caller derives the state again and waits anew if it still runs
      }
    };
  }

  /**
   * The container waits for what will never come (an image it may not pull); a pod that waits for
   * anything else is checked by the timer (the watch also reports pods as they are).
   */
  private static boolean waitingForever(Pod pod) {
    var c = KubernetesRuns.containerStatus(pod);
    var waiting = c == null || c.getState() == null ? null : c.getState().getWaiting();
    return waiting != null && KubernetesRuns.NEVER_STARTS.contains(waiting.getReason());
  }
}

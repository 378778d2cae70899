package org.rap.common.async;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs asynchronous bodies one after another per key (a future chain per key): each starts when the
 * one before it for the same key has completed, successfully or not. Different keys run
 * concurrently. Thread-safe; idle keys hold no memory.
 */
public final class KeyedSequencer {
  private final Map<String, Future<?>> tails = new HashMap<>();

  /** Runs {@code body} once the bodies already queued for {@code key} have completed. */
  public synchronized <T> Future<T> run(String key, Supplier<Future<T>> body) {
    Future<?> previous = tails.get(key);
    Future<T> next = previous == null ? start(body) : previous.transform(ignored -> start(body));
    tails.put(key, next);
    next.onComplete(
        ignored -> {
          synchronized (this) {
            if (tails.get(key) == next) {
              tails.remove(key);
            }
          }
        });
    return next;
  }

  /** Keys with a body queued or running. */
  public synchronized int activeKeys() {
    return tails.size();
  }

  private static <T> Future<T> start(Supplier<Future<T>> body) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}

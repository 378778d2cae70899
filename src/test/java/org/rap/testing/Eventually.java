package org.rap.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition without blocking a thread: checks it every 25 ms on a Vert.x timer and
 * completes once it holds, or fails naming what was awaited.
 */
public final class Eventually {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  private static final long PERIOD_MS = 25;

  private Eventually() {}

  /** A condition that can be checked at once (no I/O). */
  public static Future<Void> until(Vertx vertx, String what, BooleanSupplier condition) {
    return untilAsync(
        vertx, what, DEFAULT_TIMEOUT, () -> Future.succeededFuture(condition.getAsBoolean()));
  }

  /** A condition that needs a query (a database read, an HTTP call). */
  public static Future<Void> untilAsync(
      Vertx vertx, String what, Supplier<Future<Boolean>> condition) {
    return untilAsync(vertx, what, DEFAULT_TIMEOUT, condition);
  }

  public static Future<Void> untilAsync(
      Vertx vertx, String what, Duration timeout, Supplier<Future<Boolean>> condition) {
    Promise<Void> done = Promise.promise();
    check(vertx, what, System.nanoTime() + timeout.toNanos(), condition, done);
    return done.future();
  }

  private static void check(
      Vertx vertx,
      String what,
      long deadline,
      Supplier<Future<Boolean>> condition,
      Promise<Void> done) {
    Future<Boolean> now;
    try {
      now = condition.get();
    } catch (RuntimeException e) {
      now = Future.failedFuture(e);
    }
    now.onComplete(
        ar -> {
          if (ar.succeeded() && Boolean.TRUE.equals(ar.result())) {
            done.tryComplete();
          } else if (System.nanoTime() > deadline) {
            done.tryFail(
                new AssertionError(
                    "Timed out waiting for " + what + (ar.failed() ? ": " + ar.cause() : "")));
          } else {
            vertx.setTimer(PERIOD_MS, id -> check(vertx, what, deadline, condition, done));
          }
        });
  }
}

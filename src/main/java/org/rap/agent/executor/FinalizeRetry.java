package org.rap.agent.executor;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.InvalidPathException;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.agent.outputs.PathEscapeException;

/**
 * Finalizing a job, classified and retried within a bound, for any executor. Permanent errors (a
 * {@link JobFailure}, a path leading outside the workspace, a name the filesystem refuses) fail at
 * once. Transient ones (Docker timing out, an I/O error, a full disk) are tried again after 1, 2,
 * 4, ... seconds (at most {@link Policy#max()} apart) up to {@link Policy#attempts()} times, then
 * fail as a {@link JobFailure} naming the last error, so a job never stays in {@code finalizing}.
 *
 * <p>The first failure of a job is logged with its stack trace, later ones on one line each, and
 * the final one once more on one line: never a stack trace per retry. While it waits the handling
 * stays in flight, so nothing else works on the job meanwhile.
 */
public final class FinalizeRetry {
  private static final Logger LOG = Logger.getLogger(FinalizeRetry.class.getName());

  /**
   * @param attempts tries in all (at least 1)
   * @param first the wait after the first failure, doubled after each next one
   * @param max the longest wait
   */
  public record Policy(int attempts, Duration first, Duration max) {
    /** 8 tries over about two minutes. */
    public static final Policy DEFAULT =
        new Policy(8, Duration.ofSeconds(1), Duration.ofMinutes(1));

    Duration delay(int failures) {
      long ms = first.toMillis() << Math.min(failures - 1, 20);
      return Duration.ofMillis(Math.min(Math.max(ms, 1), max.toMillis()));
    }
  }

  private final Vertx vertx;
  private final Policy policy;

  public FinalizeRetry(Vertx vertx, Policy policy) {
    this.vertx = vertx;
    this.policy = policy;
  }

  /** Runs {@code attempt} until it succeeds, fails permanently or has used every try. */
  public <T> Future<T> run(String what, Supplier<Future<T>> attempt) {
    Promise<T> result = Promise.promise();
    tryOnce(what, attempt, 1, result);
    return result.future();
  }

  private <T> void tryOnce(String what, Supplier<Future<T>> attempt, int n, Promise<T> result) {
    Future<T> f;
    try {
      f = attempt.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onComplete(
        ar -> {
          if (ar.succeeded()) {
            result.complete(ar.result());
            return;
          }
          ExecutorException e = classify(ar.cause());
          if (e.permanent()) {
            result.fail(e);
            return;
          }
          if (n >= policy.attempts()) {
            LOG.warning(what + " failed " + n + " times, giving up: " + oneLine(ar.cause()));
            result.fail(
                new JobFailure(
                    "The job could not be finalized: "
                        + n
                        + " attempts failed, the last with: "
                        + oneLine(ar.cause()),
                    ar.cause()));
            return;
          }
          Duration wait = policy.delay(n);
          String line =
              what
                  + " failed (attempt "
                  + n
                  + " of "
                  + policy.attempts()
                  + "), trying again in "
                  + wait.toMillis()
                  + " ms: "
                  + oneLine(ar.cause());
          if (n == 1 && !(ar.cause() instanceof ExecutorException)) {
            LOG.log(Level.WARNING, line, ar.cause()); // the stack trace once
          } else {
            LOG.warning(line);
          }
          vertx.setTimer(wait.toMillis(), t -> tryOnce(what, attempt, n + 1, result));
        });
  }

  /**
   * The classification of a finalize failure: executor errors as they are; a path escape, a name
   * the filesystem cannot take (too long, invalid) is permanent; other I/O and unexpected errors
   * are transient.
   */
  static ExecutorException classify(Throwable error) {
    Throwable e = error instanceof UncheckedIOException u ? u.getCause() : error;
    if (e instanceof ExecutorException x) {
      return x;
    }
    if (e instanceof PathEscapeException) {
      // the message names no file: errors are reported to the controller
      return new JobFailure(
          "An output could not be filed safely: a path in the workspace leads outside it."
              + " Contact the OpenSAFELY tech team to resolve",
          e);
    }
    if (e instanceof InvalidPathException) {
      return new JobFailure("A file name could not be used on this backend: " + oneLine(e), e);
    }
    if (e instanceof FileSystemException f
        && !(e instanceof AccessDeniedException)
        && "File name too long".equals(f.getReason())) {
      return new JobFailure("A file name is too long for this backend's filesystem", e);
    }
    return new ExecutorRetry(oneLine(e), e);
  }

  /**
   * The error on one line, naming no path (the text is reported to the controller): for file errors
   * the reason only.
   */
  static String oneLine(Throwable e) {
    String text;
    if (e instanceof FileSystemException f) {
      text = e.getClass().getSimpleName() + (f.getReason() == null ? "" : ": " + f.getReason());
    } else if (e instanceof IOException || e.getMessage() == null) {
      text = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    } else if (e instanceof ExecutorException) {
      text = e.getMessage();
    } else {
      text = e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    return text.replaceAll("\\s+", " ").strip();
  }
}

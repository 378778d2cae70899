package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rap.agent.outputs.PathEscapeException;
import org.rap.testing.LogCapture;

/** Finalize errors: permanent at once, transient with backoff and a bound, one stack trace. */
class FinalizeRetryTest {
  Vertx vertx;
  LogCapture log;
  FinalizeRetry retry;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    retry =
        new FinalizeRetry(
            vertx, new FinalizeRetry.Policy(4, Duration.ofMillis(10), Duration.ofMillis(40)));
    log = LogCapture.of(Logger.getLogger(FinalizeRetry.class.getName()));
  }

  @AfterEach
  void tearDown() {
    log.close();
    vertx.close().await();
  }

  @Test
  void transientErrorsAreRetriedUntilTheyPass() {
    AtomicInteger calls = new AtomicInteger();
    String done =
        retry
            .run(
                "finalize of job j",
                () ->
                    calls.incrementAndGet() < 3
                        ? Future.failedFuture(new IOException("disk hiccup"))
                        : Future.succeededFuture("done"))
            .await();
    assertEquals("done", done);
    assertEquals(3, calls.get());
  }

  @Test
  void permanentErrorsFailAtOnce() {
    for (Throwable e :
        List.of(
            new JobFailure("bad"),
            new PathEscapeException("Path 'x' resolves outside the workspace"),
            new FileSystemException(
                "/srv/high/ws/" + "a".repeat(300), null, "File name too long"))) {
      AtomicInteger calls = new AtomicInteger();
      Future<Object> f =
          retry.run(
              "finalize",
              () -> {
                calls.incrementAndGet();
                return Future.failedFuture(e);
              });
      JobFailure failure = assertInstanceOf(JobFailure.class, failure(f));
      assertEquals(1, calls.get(), e.toString());
      assertTrue(!failure.getMessage().contains("/srv/high"), failure.getMessage());
    }
  }

  @Test
  void transientErrorsGiveUpAfterTheBoundWithOneStackTrace() {
    AtomicInteger calls = new AtomicInteger();
    long t0 = System.nanoTime();
    Future<Object> f =
        retry.run(
            "finalize of job j",
            () -> {
              calls.incrementAndGet();
              return Future.failedFuture(
                  new NoSuchFileException("/srv/high/ws/output/x.csv", null, "vanished"));
            });
    JobFailure failure = assertInstanceOf(JobFailure.class, failure(f));
    assertEquals(4, calls.get());
    assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(10 + 20 + 40).toNanos(), "backoff");
    assertEquals(
        "The job could not be finalized: 4 attempts failed, the last with:"
            + " NoSuchFileException: vanished",
        failure.getMessage());
    List<LogRecord> logged = log.records;
    assertEquals(4, logged.size(), "one line per failure");
    assertTrue(logged.get(0).getThrown() != null, "the first with its stack trace");
    for (LogRecord r : logged.subList(1, 4)) {
      assertNull(r.getThrown(), r.getMessage());
      assertTrue(!r.getMessage().contains("\n"), r.getMessage());
    }
  }

  private static Throwable failure(Future<?> f) {
    return assertThrows(Throwable.class, f::await);
  }
}

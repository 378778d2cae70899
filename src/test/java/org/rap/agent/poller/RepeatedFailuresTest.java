package org.rap.agent.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.rap.testing.LogCapture;

/** A task failing every second logs one stack trace, then a one-line summary a minute. */
class RepeatedFailuresTest {
  final Logger log = Logger.getAnonymousLogger();
  final LogCapture capture = LogCapture.of(log);
  final List<LogRecord> logged = capture.records;
  final AtomicLong now = new AtomicLong();
  final RepeatedFailures failures = new RepeatedFailures(log, 60_000_000_000L, now::get);

  {
    log.setUseParentHandlers(false);
  }

  @Test
  void theSameFailureIsLoggedOnceThenSummarised() {
    IOException e = new IOException("disk full");
    for (int i = 0; i < 300; i++) { // five minutes of one retry a second
      now.set(i * 1_000_000_000L);
      failures.failed("t1", "task error: RUNJOB task t1: disk full", e);
    }
    assertEquals(5, logged.size(), "once, then once a minute");
    assertNotNull(logged.get(0).getThrown(), "the first with its stack trace");
    for (LogRecord r : logged.subList(1, 5)) {
      assertNull(r.getThrown());
      assertEquals(
          "task error: RUNJOB task t1: disk full (still failing: 60 more attempts since last"
              + " logged)",
          r.getMessage());
    }
  }

  @Test
  void aNewMessageOrAFreshStartIsLoggedInFull() {
    failures.failed("t1", "a", null);
    failures.failed("t1", "b", null);
    failures.succeeded("t1");
    failures.failed("t1", "b", null);
    failures.failed("t2", "b", null);
    failures.retainOnly(Set.of("t1"));
    failures.failed("t2", "b", null);
    assertEquals(5, logged.size());
  }
}

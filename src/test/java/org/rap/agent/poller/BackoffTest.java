package org.rap.agent.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void growsWithJitterUpToTheCapAndResets() {
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), new Random(42));
    long[] expectedMax = {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000};
    for (long max : expectedMax) {
      long d = b.next(null).toMillis();
      assertTrue(d >= max / 2 && d <= max, d + " not in [" + max / 2 + ", " + max + "]");
    }
    for (int i = 0; i < 100; i++) {
      assertTrue(b.next(null).toMillis() <= 60000);
    }
    b.reset();
    assertTrue(b.next(null).toMillis() <= 1000);
    assertEquals(1, b.attempts());
  }

  @Test
  void retryAfterIsHonouredAsGivenWithinALimit() {
    Backoff b = new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), new Random(1));
    long d = b.next(Duration.ofSeconds(30)).toMillis();
    assertTrue(d >= 30_000 && d <= 33_000, d + " ms");
    long capped = b.next(Duration.ofHours(2)).toMillis();
    long max = Backoff.MAX_RETRY_AFTER.toMillis();
    assertTrue(capped >= max && capped <= max * 11 / 10, capped + " ms");
    assertEquals(0, b.next(Duration.ZERO).toMillis());
    assertEquals(3, b.attempts());
  }

  @Test
  void retryAfterShortensAGrownBackoff() {
    // a controller answering 503 with Retry-After: 2 while its database restarts is asked again
    // after about 2 s, however long the agent has been failing before
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), new Random(3));
    for (int i = 0; i < 10; i++) {
      b.next(null);
    }
    long d = b.next(Duration.ofSeconds(2)).toMillis();
    assertTrue(d >= 2000 && d <= 2200, d + " ms");
  }

  @Test
  void jitterSpreadsAgents() {
    long first =
        new Backoff(Duration.ofSeconds(8), Duration.ofSeconds(60), new Random(1))
            .next(null)
            .toMillis();
    boolean differs = false;
    for (int seed = 2; seed < 20 && !differs; seed++) {
      differs =
          new Backoff(Duration.ofSeconds(8), Duration.ofSeconds(60), new Random(seed))
                  .next(null)
                  .toMillis()
              != first;
    }
    assertTrue(differs);
  }
}

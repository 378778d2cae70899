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
  void retryAfterRaisesTheDelayWithinALimit() {
    Backoff b = new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), new Random(1));
    assertEquals(30_000, b.next(Duration.ofSeconds(30)).toMillis());
    assertEquals(Backoff.MAX_RETRY_AFTER, b.next(Duration.ofHours(2)));
    assertTrue(b.next(Duration.ZERO).toMillis() <= 100);
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

package org.rap.common.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketsTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Test
  void aBurstThenTheSustainedRateWithExactWaits() {
    TokenBuckets b = new TokenBuckets(60, now::get); // one a second, bursts of 60
    for (int i = 0; i < 60; i++) {
      assertEquals(Duration.ZERO, b.take("a"), "request " + i);
    }
    assertEquals(Duration.ofSeconds(1), b.take("a"));
    assertEquals(Duration.ZERO, b.take("b"), "keys are independent");
    now.addAndGet(Duration.ofMillis(400).toNanos());
    assertEquals(Duration.ofMillis(600), b.take("a"));
    now.addAndGet(Duration.ofMillis(600).toNanos());
    assertEquals(Duration.ZERO, b.take("a"));
    assertEquals(Duration.ofSeconds(1), b.take("a"));
    // idle for long: refilled to the burst, never beyond
    now.addAndGet(Duration.ofHours(1).toNanos());
    for (int i = 0; i < 60; i++) {
      assertEquals(Duration.ZERO, b.take("a"));
    }
    assertEquals(Duration.ofSeconds(1), b.take("a"));
  }
}

package org.rap.common.http;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Per-key token buckets: each key may make {@code perMinute} requests in a burst, refilled
 * continuously at {@code perMinute} a minute. A token bucket, rather than a fixed-window limiter
 * (such as resilience4j's), so a client that keeps within its rate is never stopped at a window
 * boundary, and the wait it is told ({@code Retry-After}) is exact. Callers keep the number of keys
 * bounded (one per configured token).
 */
public final class TokenBuckets {
  private final double capacity;
  private final double perNano;
  private final LongSupplier clock;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  /** Tokens left and when they were last counted. */
  private static final class Bucket {
    double tokens;
    long at;

    Bucket(double tokens, long at) {
      this.tokens = tokens;
      this.at = at;
    }
  }

  public TokenBuckets(int perMinute) {
    this(perMinute, System::nanoTime);
  }

  TokenBuckets(int perMinute, LongSupplier nanoClock) {
    if (perMinute <= 0) {
      throw new IllegalArgumentException("perMinute must be positive");
    }
    this.capacity = perMinute;
    this.perNano = perMinute / (double) Duration.ofMinutes(1).toNanos();
    this.clock = nanoClock;
  }

  /**
   * Takes one request from {@code key}'s bucket.
   *
   * @return zero when allowed, else how long until the next request would be
   */
  public Duration take(String key) {
    long now = clock.getAsLong();
    Bucket b = buckets.computeIfAbsent(key, k -> new Bucket(capacity, now));
    synchronized (b) {
      b.tokens = Math.min(capacity, b.tokens + (now - b.at) * perNano);
      b.at = now;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return Duration.ZERO;
      }
      return Duration.ofNanos((long) Math.ceil((1 - b.tokens) / perNano));
    }
  }
}

package org.rap.agent.poller;

import java.time.Duration;
import java.util.Random;
import org.rap.common.retry.Backoffs;

/**
 * Capped exponential backoff with jitter: attempt n waits a random time in [d/2, d] where d =
 * min(cap, base * 2^n). A server's Retry-After raises the delay (up to {@link #MAX_RETRY_AFTER}).
 */
public final class Backoff {
  public static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(5);
  private final long baseMs;
  private final long capMs;
  private final Random random;
  private int attempt;

  public Backoff(Duration base, Duration cap, Random random) {
    this.baseMs = Math.max(1, base.toMillis());
    this.capMs = Math.max(this.baseMs, cap.toMillis());
    this.random = random;
  }

  public Duration next(Duration retryAfter) {
    long delay = Backoffs.jittered(Backoffs.exponential(baseMs, attempt, capMs), random);
    attempt++;
    if (retryAfter != null) {
      delay = Math.max(delay, Math.min(retryAfter.toMillis(), MAX_RETRY_AFTER.toMillis()));
    }
    return Duration.ofMillis(delay);
  }

  public void reset() {
    attempt = 0;
  }

  public int attempts() {
    return attempt;
  }
}

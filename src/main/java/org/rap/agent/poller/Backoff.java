package org.rap.agent.poller;

import java.time.Duration;
import java.util.Random;
import org.rap.common.retry.Backoffs;

/**
 * Retry delays after failed calls to the controller: capped exponential backoff with jitter
 * (attempt n waits a random time in [d/2, d] where d = min(cap, base * 2^n)), unless the controller
 * said when to come back. A {@code Retry-After} is honoured as given (up to {@link
 * #MAX_RETRY_AFTER}, plus up to 10 % jitter so agents do not return in step): the controller sends
 * it while its database is not answering, with the short delay that lets work resume within seconds
 * of the database coming back, whatever the backoff had grown to.
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

  /** The delay before the next attempt; {@code retryAfter} is the controller's, or null. */
  public Duration next(Duration retryAfter) {
    if (retryAfter != null) {
      attempt++;
      long asked = Math.min(Math.max(0, retryAfter.toMillis()), MAX_RETRY_AFTER.toMillis());
      return Duration.ofMillis(asked + (long) (random.nextDouble() * asked * 0.1));
    }
    long delay = Backoffs.jittered(Backoffs.exponential(baseMs, attempt, capMs), random);
    attempt++;
    return Duration.ofMillis(delay);
  }

  public void reset() {
    attempt = 0;
  }

  public int attempts() {
    return attempt;
  }
}

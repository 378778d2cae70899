package org.rap.common.retry;

import java.util.random.RandomGenerator;

/**
 * Delays before trying again after failures: capped exponential growth, optionally spread with
 * jitter so that many clients failing together do not retry together.
 */
public final class Backoffs {
  private Backoffs() {}

  /**
   * {@code base * 2^exponent}, at most {@code cap} (an overflow counts as the cap; a negative
   * exponent as 0).
   */
  public static long exponential(long base, int exponent, long cap) {
    long d = base << Math.min(Math.max(exponent, 0), 30);
    return d < 0 || d > cap ? cap : d;
  }

  /** A uniformly random delay between half of {@code delay} and all of it. */
  public static long jittered(long delay, RandomGenerator random) {
    long half = delay / 2;
    return half + (long) (random.nextDouble() * (delay - half + 1));
  }
}

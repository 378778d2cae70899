package org.rap.common.model;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Timestamp conversions and the reference's API rendering rules. */
public final class Timestamps {
  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

  private Timestamps() {}

  public static long nowSeconds() {
    return System.currentTimeMillis() / 1000;
  }

  public static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
  }

  public static long nowNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /** UTC ISO-8601 with Z, no fraction: {@code 2026-01-31T10:15:02Z}; null stays null. */
  public static String isoSeconds(Long epochSeconds) {
    return epochSeconds == null ? null : SECONDS.format(Instant.ofEpochSecond(epochSeconds)) + "Z";
  }

  /** UTC ISO-8601 with Z; a 6-digit fraction only when non-zero. */
  public static String isoMicros(long epochMicros) {
    long secs = Math.floorDiv(epochMicros, 1_000_000L);
    long micros = Math.floorMod(epochMicros, 1_000_000L);
    String base = SECONDS.format(Instant.ofEpochSecond(secs));
    return micros == 0 ? base + "Z" : base + String.format(".%06dZ", micros);
  }

  /** ISO text with {@code +00:00}, as the reference stores the {@code last-seen-at} value. */
  public static String isoOffset(long epochMicros) {
    String z = isoMicros(epochMicros);
    return z.substring(0, z.length() - 1) + "+00:00";
  }
}

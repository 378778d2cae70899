package org.rap.common.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Comparing secrets without telling an attacker, by timing, how much of a guess was right. */
public final class Tokens {
  private Tokens() {}

  /**
   * Whether {@code given} equals {@code expected}, in time that depends on neither: both are hashed
   * to 32 bytes and the digests compared with {@link MessageDigest#isEqual} (constant time for
   * equal lengths). An empty {@code expected} matches nothing.
   */
  public static boolean same(String given, String expected) {
    if (given == null || expected == null || expected.isEmpty()) {
      return false;
    }
    return MessageDigest.isEqual(sha256(given), sha256(expected));
  }

  static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

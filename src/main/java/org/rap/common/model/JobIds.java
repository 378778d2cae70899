package org.rap.common.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Locale;

/** Identifier formats of docs/spec/job-model.md section 4. */
public final class JobIds {
  private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private JobIds() {}

  /** Deterministic job id: base32(sha1(rapId + "\n" + action)[0:10]), lower case. */
  public static String jobId(String rapId, String action) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-1")
              .digest((rapId + "\n" + action).getBytes(StandardCharsets.UTF_8));
      byte[] first = new byte[10];
      System.arraycopy(digest, 0, first, 0, 10);
      return base32(first);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A new random RAP id in job-server's format (16 chars of lowercase base32). */
  public static String newRapId() {
    byte[] bytes = new byte[10];
    RANDOM.nextBytes(bytes);
    return base32(bytes);
  }

  /** {@code <job_id>-<NNN>} where NNN is the 1-based count of RUNJOB tasks. */
  public static String runJobTaskId(String jobId, int number) {
    return jobId + "-" + String.format(Locale.ROOT, "%03d", number);
  }

  /** The attempt a RUNJOB task id encodes ({@code <job_id>-<NNN>}); 1 when it encodes none. */
  public static int attemptOf(String runJobTaskId) {
    int dash = runJobTaskId.lastIndexOf('-');
    try {
      return Integer.parseInt(runJobTaskId.substring(dash + 1));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  public static String cancelTaskId(String runJobTaskId) {
    return runJobTaskId + "-cancel";
  }

  /** {@code <type>-<YYYY-MM-DD>-<20 random hex chars>} for DBSTATUS and DBDATACHECK tasks. */
  public static String scheduledTaskId(TaskType type) {
    byte[] bytes = new byte[10];
    RANDOM.nextBytes(bytes);
    return type.value()
        + "-"
        + LocalDate.now(ZoneOffset.UTC)
        + "-"
        + HexFormat.of().formatHex(bytes);
  }

  static String base32(byte[] data) {
    StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        out.append(BASE32[(buffer >> (bits - 5)) & 31]);
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(BASE32[(buffer << (5 - bits)) & 31]);
    }
    return out.toString();
  }
}

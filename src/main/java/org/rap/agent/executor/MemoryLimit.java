package org.rap.agent.executor;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses Docker memory sizes ({@code --memory 4G}): binary units b, k, m, g, t, p. */
public final class MemoryLimit {
  private static final Pattern SIZE = Pattern.compile("^(\\d+(?:\\.\\d+)?) ?([kmgtp])?i?b?$");

  private MemoryLimit() {}

  /** Bytes, or null for a blank value. Throws {@link JobFailure} for a malformed one. */
  public static Long parse(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    Matcher m = SIZE.matcher(text.strip().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new JobFailure("Invalid memory limit '" + text + "', expected e.g. 4G or 512M");
    }
    double n = Double.parseDouble(m.group(1));
    int power = m.group(2) == null ? 0 : "kmgtp".indexOf(m.group(2)) + 1;
    return (long) (n * Math.pow(1024, power));
  }
}

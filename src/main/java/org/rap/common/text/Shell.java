package org.rap.common.text;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * POSIX shell word splitting and quoting, as Python's {@code shlex.split} / {@code shlex.join}
 * (posix mode, no comments) do it: the reference splits {@code run} and {@code run_command} this
 * way.
 */
public final class Shell {
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9@%+=:,./_-]+");

  private Shell() {}

  /** Thrown for unbalanced quotes or a trailing backslash. */
  public static final class SplitException extends IllegalArgumentException {
    public SplitException(String message) {
      super(message);
    }
  }

  /**
   * Splits {@code s} into words.
   *
   * @throws SplitException with {@code No closing quotation} or {@code No escaped character}, as
   *     shlex words them
   */
  public static List<String> split(String s) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    int i = 0;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
        i++;
      } else if (c == '\\') {
        if (i + 1 >= n) {
          throw new SplitException("No escaped character");
        }
        word.append(s.charAt(i + 1));
        inWord = true;
        i += 2;
      } else if (c == '\'') {
        int end = s.indexOf('\'', i + 1);
        if (end < 0) {
          throw new SplitException("No closing quotation");
        }
        word.append(s, i + 1, end);
        inWord = true;
        i = end + 1;
      } else if (c == '"') {
        i++;
        boolean closed = false;
        while (i < n) {
          char d = s.charAt(i);
          if (d == '"') {
            closed = true;
            i++;
            break;
          }
          if (d == '\\' && i + 1 < n) {
            char e = s.charAt(i + 1);
            if (e == '"' || e == '\\' || e == '$' || e == '`' || e == '\n') {
              word.append(e);
              i += 2;
              continue;
            }
          }
          word.append(d);
          i++;
        }
        if (!closed) {
          throw new SplitException("No closing quotation");
        }
        inWord = true;
      } else {
        word.append(c);
        inWord = true;
        i++;
      }
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }

  /** Quotes one word: safe words stay bare, others are single-quoted, empty becomes {@code ''}. */
  public static String quote(String word) {
    if (word.isEmpty()) {
      return "''";
    }
    if (SAFE.matcher(word).matches()) {
      return word;
    }
    return "'" + word.replace("'", "'\"'\"'") + "'";
  }

  /** {@code shlex.join}: quotes every word and joins with single spaces. */
  public static String join(List<String> words) {
    StringJoiner j = new StringJoiner(" ");
    for (String w : words) {
      j.add(quote(w));
    }
    return j.toString();
  }
}

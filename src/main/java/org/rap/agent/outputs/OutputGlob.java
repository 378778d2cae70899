package org.rap.agent.outputs;

import java.util.regex.Pattern;

/**
 * An output pattern as the reference matches it (Python pathlib glob relative to /workspace):
 * {@code *} any run of characters except {@code /} (also in directory parts), {@code ?} one
 * character except {@code /}, {@code [...]} a character class, and a whole {@code **} segment zero
 * or more directories. Hidden files are matched like any other.
 */
public final class OutputGlob {
  private final String pattern;
  private final Pattern regex;

  private OutputGlob(String pattern, Pattern regex) {
    this.pattern = pattern;
    this.regex = regex;
  }

  /** Compiles a pattern; refuses patterns that could match outside the workspace. */
  public static OutputGlob compile(String pattern) {
    SafePaths.checkRelative(pattern);
    StringBuilder re = new StringBuilder();
    String[] parts = pattern.split("/", -1);
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      boolean last = i == parts.length - 1;
      if (part.equals("**")) {
        re.append(last ? ".*" : "(?:[^/]*/)*");
        continue;
      }
      if (part.isEmpty() || part.equals(".")) {
        continue; // "a//b" and "./a" mean what pathlib makes of them
      }
      appendSegment(re, part);
      if (!last) {
        re.append('/');
      }
    }
    String body = re.toString();
    if (body.endsWith("/")) {
      body = body.substring(0, body.length() - 1);
    }
    return new OutputGlob(pattern, Pattern.compile(body, Pattern.DOTALL));
  }

  private static void appendSegment(StringBuilder re, String part) {
    for (int i = 0; i < part.length(); i++) {
      char c = part.charAt(i);
      if (c == '*') {
        re.append("[^/]*");
      } else if (c == '?') {
        re.append("[^/]");
      } else if (c == '[') {
        int end = part.indexOf(']', i + 2);
        if (end < 0) {
          re.append("\\[");
        } else {
          String cls = part.substring(i + 1, end);
          StringBuilder c2 = new StringBuilder("[");
          int start = 0;
          if (cls.startsWith("!")) {
            c2.append('^');
            start = 1;
          }
          for (int k = start; k < cls.length(); k++) {
            char x = cls.charAt(k);
            if (x == '-' && k > start && k < cls.length() - 1) {
              c2.append('-');
            } else if (Character.isLetterOrDigit(x)) {
              c2.append(x);
            } else {
              c2.append('\\').append(x);
            }
          }
          c2.append(']');
          re.append("(?!/)").append(c2);
          i = end;
        }
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
  }

  public boolean matches(String relativePath) {
    return regex.matcher(relativePath).matches();
  }

  public String pattern() {
    return pattern;
  }
}

package org.rap.common.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a dotenv file (the {@code KEY=value} environment files of Docker Compose and container
 * platforms): blank lines and {@code #} comments skipped, an optional {@code export} prefix, values
 * bare (an inline comment after white space dropped, surrounding white space trimmed), in single
 * quotes (literal) or double quotes (escapes {@code \n \t \r \" \\ \$}); quoted values may span
 * lines. No variable expansion: a {@code $} is kept as written. Problems name the line but never
 * echo a value, which may be a secret.
 */
final class DotEnv {
  private static final Pattern ASSIGNMENT =
      Pattern.compile("^\\s*(?:export\\s+)?([^=\\s]*)\\s*=[ \\t]*(.*)$", Pattern.DOTALL);
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private DotEnv() {}

  static ConfigLayer parse(String name, String text) {
    ConfigLayer layer = ConfigLayer.empty(name, true);
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int lineNo = i + 1;
      String line = lines[i];
      if (i == 0 && line.startsWith("\uFEFF")) {
        line = line.substring(1);
      }
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      Matcher m = ASSIGNMENT.matcher(line);
      if (!m.matches()) {
        layer.problems().add(name + " line " + lineNo + ": expected KEY=value");
        continue;
      }
      String key = m.group(1);
      if (!NAME.matcher(key).matches()) {
        layer
            .problems()
            .add(
                name
                    + " line "
                    + lineNo
                    + ": '"
                    + key
                    + "' is not a valid name (letters, digits and _, not starting with a digit)");
        continue;
      }
      String rest = m.group(2);
      String value;
      int endLine = i;
      if (rest.startsWith("\"") || rest.startsWith("'")) {
        char quote = rest.charAt(0);
        StringBuilder sb = new StringBuilder();
        String current = rest.substring(1);
        Integer close = null;
        while (true) {
          close = closingQuote(current, quote);
          if (close != null) {
            sb.append(current, 0, close);
            break;
          }
          if (endLine + 1 >= lines.length) {
            break;
          }
          sb.append(current).append('\n');
          current = lines[++endLine];
        }
        if (close == null) {
          layer
              .problems()
              .add(name + " line " + lineNo + ": the value of " + key + " has no closing " + quote);
          i = endLine;
          continue;
        }
        String after = current.substring(close + 1).strip();
        if (!after.isEmpty() && !after.startsWith("#")) {
          layer
              .problems()
              .add(
                  name
                      + " line "
                      + (endLine + 1)
                      + ": unexpected text after the closing quote of "
                      + key);
          i = endLine;
          continue;
        }
        value = quote == '"' ? unescape(sb.toString()) : sb.toString();
        i = endLine;
      } else {
        value = stripComment(rest).strip();
      }
      layer.putFromLine(key, value, lineNo);
    }
    return layer;
  }

  /** Index of the closing quote in {@code s}, skipping backslash escapes in double quotes. */
  private static Integer closingQuote(String s, char quote) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote == '"' && c == '\\') {
        i++;
      } else if (c == quote) {
        return i;
      }
    }
    return null;
  }

  /** A bare value's inline comment starts at a {@code #} after white space. */
  private static String stripComment(String s) {
    for (int i = 1; i < s.length(); i++) {
      if (s.charAt(i) == '#' && Character.isWhitespace(s.charAt(i - 1))) {
        return s.substring(0, i);
      }
    }
    return s.startsWith("#") ? "" : s;
  }

  private static String unescape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        switch (n) {
          case 'n' -> out.append('\n');
          case 't' -> out.append('\t');
          case 'r' -> out.append('\r');
          case '"', '\\', '$', '\'' -> out.append(n);
          default -> out.append('\\').append(n);
        }
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}

package org.rap.agent.outputs;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Which file names can be filed as outputs, and how any name is shown safely. A job may create any
 * name the filesystem allows; an output must have a name every later step (manifest, job log,
 * release tooling, the medium-privacy copy and its {@code .txt} explanation) can carry unchanged:
 * valid UTF-8, no control characters (newline, tab, ...), no invisible Unicode formatting
 * characters (such as the right-to-left override), no backslash, and room for the {@code .txt}
 * suffix of a level-4 explanation. Every name shown in a message or log goes through {@link
 * #display}, so no name can add lines to a job log or hide its true spelling.
 */
public final class OutputNames {
  /** The longest name of one directory entry (Linux {@code NAME_MAX}). */
  public static final int NAME_MAX = 255;

  /** {@code moderately_sensitive} outputs may get a {@code <name>.txt} explanation. */
  public static final String EXPLANATION_SUFFIX = ".txt";

  private OutputNames() {}

  /** The name as UTF-8 text, or empty when the bytes are not valid UTF-8. */
  public static Optional<String> utf8(byte[] name) {
    try {
      return Optional.of(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(name))
              .toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  /**
   * The name for matching against output patterns: UTF-8, with U+FFFD for bytes that are not (so
   * {@code output/*.txt} still matches, and refuses, {@code output/caf\xe9.txt}).
   */
  public static String lenient(byte[] name) {
    return new String(name, StandardCharsets.UTF_8);
  }

  /**
   * Why a file named {@code name} (relative to the workspace) cannot be filed as an output of this
   * privacy level, or empty when it can. The text completes "The output file '...' cannot be filed:
   * ".
   */
  public static Optional<String> problem(byte[] name, String level) {
    Optional<String> text = utf8(name);
    if (text.isEmpty()) {
      return Optional.of("its name is not valid UTF-8 text");
    }
    String s = text.get();
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      if (Character.getType(cp) == Character.CONTROL) {
        return Optional.of("its name contains a control character (" + escape(cp) + ")");
      }
      if (Character.getType(cp) == Character.FORMAT) {
        return Optional.of(
            "its name contains an invisible formatting character (" + escape(cp) + ")");
      }
      i += Character.charCount(cp);
    }
    if (s.indexOf('\\') >= 0) {
      return Optional.of(
          "its name contains a backslash (\\), which output file names may not contain");
    }
    int room =
        OutputPersister.MODERATELY_SENSITIVE.equals(level)
            ? NAME_MAX - EXPLANATION_SUFFIX.length()
            : NAME_MAX;
    for (String part : s.split("/", -1)) {
      int bytes = part.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > room) {
        return Optional.of(
            "its name is "
                + bytes
                + " bytes long; "
                + level
                + " output names may have at most "
                + room
                + " bytes"
                + (room < NAME_MAX
                    ? " (room for the " + EXPLANATION_SUFFIX + " explanation)"
                    : ""));
      }
    }
    return Optional.empty();
  }

  /**
   * {@code name} as printable text on one line: valid UTF-8 as it is, except backslash as {@code
   * \\}, newline, carriage return and tab as {@code \n}, {@code \r}, {@code \t}, other control and
   * formatting characters as {@code \x..} or a backslash, u and four hex digits, and bytes that are
   * not UTF-8 as {@code \x..}.
   */
  public static String display(byte[] name) {
    StringBuilder out = new StringBuilder(name.length + 8);
    int i = 0;
    while (i < name.length) {
      int len = sequenceLength(name, i);
      if (len == 0) {
        out.append(String.format("\\x%02x", name[i] & 0xff));
        i++;
      } else {
        String cp = new String(name, i, len, StandardCharsets.UTF_8);
        appendDisplay(out, cp.codePointAt(0));
        i += len;
      }
    }
    return out.toString();
  }

  /** {@link #display(byte[])} for text already decoded (patterns, names from metadata). */
  public static String display(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length() + 8);
    text.codePoints().forEach(cp -> appendDisplay(out, cp));
    return out.toString();
  }

  private static void appendDisplay(StringBuilder out, int cp) {
    int type = Character.getType(cp);
    if (cp == '\\') {
      out.append("\\\\");
    } else if (type == Character.CONTROL
        || type == Character.FORMAT
        || type == Character.SURROGATE
        || cp == 0x2028
        || cp == 0x2029) {
      out.append(escape(cp));
    } else {
      out.appendCodePoint(cp);
    }
  }

  private static String escape(int cp) {
    return switch (cp) {
      case '\n' -> "\\n";
      case '\r' -> "\\r";
      case '\t' -> "\\t";
      default -> cp < 0x100 ? String.format("\\x%02x", cp) : String.format("\\u%04x", cp);
    };
  }

  /** Length of the valid UTF-8 sequence starting at {@code i}, or 0 when there is none. */
  private static int sequenceLength(byte[] b, int i) {
    int c = b[i] & 0xff;
    int len;
    int min;
    if (c < 0x80) {
      return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      min = 0x10000;
    } else {
      return 0;
    }
    if (i + len > b.length) {
      return 0;
    }
    int cp = c & (0xff >> (len + 1));
    for (int k = 1; k < len; k++) {
      int x = b[i + k] & 0xff;
      if ((x & 0xc0) != 0x80) {
        return 0;
      }
      cp = (cp << 6) | (x & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return 0;
    }
    return len;
  }
}

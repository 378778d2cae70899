package org.rap.agent.outputs;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * CSV header and counts as the reference computes them with Python's {@code csv.DictReader} (excel
 * dialect): {@code rows} = data rows excluding the header, blank lines skipped; {@code cols} = keys
 * of the first data row as a dict (distinct header names, plus one when the row has more fields
 * than the header); both 0 without data rows.
 *
 * <p>Read in one streaming pass in bounded memory: only the header is kept; data rows are counted.
 * A file that is not UTF-8 text (or holds NUL characters), whose header is larger than {@link
 * #MAX_HEADER_CHARS}, with a field larger than Python's default {@code field_size_limit}, or with a
 * quoted field never closed cannot be read this way: {@link Unreadable} says why, so the level-4
 * checks can refuse it (they fail closed).
 */
public record CsvCounts(List<String> headers, int rows, int cols) {
  /** Python's {@code csv.field_size_limit()} default. */
  public static final int MAX_FIELD_CHARS = 131_072;

  /** The header row is kept in memory; beyond this its columns are not established. */
  public static final int MAX_HEADER_CHARS = 1 << 18;

  /** Why a file's rows and columns could not be established. */
  public static final class Unreadable extends IOException {
    private final boolean notText;

    Unreadable(boolean notText, String message) {
      super(message);
      this.notText = notText;
    }

    /** True: not UTF-8 text; false: text, but its rows or columns cannot be told apart. */
    public boolean notText() {
      return notText;
    }
  }

  /** Reads a CSV file (UTF-8; never through a symlink). */
  public static CsvCounts read(Path file) throws IOException {
    try (InputStream in =
        new BufferedInputStream(Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS), 65536)) {
      Parser p = new Parser(new Utf8(in));
      List<String> headers = new ArrayList<>();
      if (p.next(headers) < 0) {
        return new CsvCounts(List.of(), 0, 0);
      }
      if (!headers.isEmpty() && headers.get(0).startsWith("\ufeff")) {
        // a byte order mark is not part of the first column's name
        headers.set(0, headers.get(0).substring(1));
      }
      int first = p.nextNonBlank(null);
      if (first < 0) {
        return new CsvCounts(List.copyOf(headers), 0, 0);
      }
      int cols = new HashSet<>(headers).size() + (first > headers.size() ? 1 : 0);
      int rows = 1;
      while (p.nextNonBlank(null) >= 0) {
        rows++;
      }
      return new CsvCounts(List.copyOf(headers), rows, cols);
    }
  }

  /** Minimal excel-dialect reader: comma, double quote, "" escapes, newlines inside quotes. */
  private static final class Parser {
    private final Utf8 in;
    private final StringBuilder field = new StringBuilder();
    int line = 1;
    private long headerChars;

    Parser(Utf8 in) {
      this.in = in;
    }

    /** {@link #next}, skipping blank lines. */
    int nextNonBlank(List<String> fields) throws IOException {
      int n;
      do {
        n = next(fields);
      } while (n == 0);
      return n;
    }

    /**
     * Reads the next record: its number of fields (0 for a blank line, -1 at the end of input). The
     * fields are added to {@code fields} when it is not null.
     */
    int next(List<String> fields) throws IOException {
      int c = read();
      if (c < 0) {
        return -1;
      }
      int count = 0;
      field.setLength(0);
      boolean inQuotes = false;
      int quoteLine = line;
      boolean sawAny = false;
      while (true) {
        if (c < 0) {
          if (inQuotes) {
            throw new Unreadable(
                false, "a quoted field opened on line " + quoteLine + " never ends");
          }
          break;
        }
        char ch = (char) c;
        if (inQuotes) {
          if (ch == '"') {
            int n = read();
            if (n == '"') {
              append(ch, fields);
            } else {
              inQuotes = false;
              in.unread(n);
            }
          } else {
            if (ch == '\n') {
              line++;
            }
            append(ch, fields);
          }
        } else if (ch == ',') {
          count++;
          endField(fields);
          sawAny = true;
        } else if (ch == '"' && field.length() == 0) {
          inQuotes = true;
          quoteLine = line;
          sawAny = true;
        } else if (ch == '\r' || ch == '\n') {
          if (ch == '\r') {
            int n = read();
            if (n != '\n') {
              in.unread(n);
            }
          }
          line++;
          break;
        } else {
          append(ch, fields);
          sawAny = true;
        }
        c = read();
      }
      if (!sawAny && field.length() == 0 && count == 0) {
        return 0;
      }
      endField(fields);
      return count + 1;
    }

    private int read() throws IOException {
      int c = in.read(line);
      if (c == 0) {
        throw new Unreadable(true, "it holds a NUL character (line " + line + ")");
      }
      return c;
    }

    private void append(char ch, List<String> fields) throws Unreadable {
      if (field.length() >= MAX_FIELD_CHARS) {
        throw new Unreadable(
            false,
            "a field on line " + line + " is longer than " + MAX_FIELD_CHARS + " characters");
      }
      field.append(ch);
      if (fields != null && ++headerChars > MAX_HEADER_CHARS) {
        throw new Unreadable(
            false, "its header is longer than " + MAX_HEADER_CHARS + " characters");
      }
    }

    private void endField(List<String> fields) throws Unreadable {
      if (fields != null) {
        if (++headerChars > MAX_HEADER_CHARS) {
          throw new Unreadable(
              false, "its header is longer than " + MAX_HEADER_CHARS + " characters");
        }
        fields.add(field.toString());
      }
      field.setLength(0);
    }
  }

  /**
   * UTF-16 code units from UTF-8 bytes, refusing anything that is not UTF-8 (overlong forms,
   * surrogates, truncated sequences) with the line it is on; a code unit read can be pushed back.
   */
  private static final class Utf8 {
    private final InputStream in;
    private final int[] pushed = new int[2]; // pushed-back units (a low surrogate, then one more)
    private int count;

    Utf8(InputStream in) {
      this.in = in;
    }

    void unread(int c) {
      pushed[count++] = c;
    }

    int read(int line) throws IOException {
      if (count > 0) {
        return pushed[--count];
      }
      int b = in.read();
      if (b < 0x80) {
        return b; // ASCII or -1 at the end
      }
      int len;
      int cp;
      int min;
      if (b >= 0xc2 && b <= 0xdf) {
        len = 1;
        cp = b & 0x1f;
        min = 0x80;
      } else if (b >= 0xe0 && b <= 0xef) {
        len = 2;
        cp = b & 0x0f;
        min = 0x800;
      } else if (b >= 0xf0 && b <= 0xf4) {
        len = 3;
        cp = b & 0x07;
        min = 0x10000;
      } else {
        throw notUtf8(line);
      }
      for (int k = 0; k < len; k++) {
        int x = in.read();
        if (x < 0 || (x & 0xc0) != 0x80) {
          throw notUtf8(line);
        }
        cp = (cp << 6) | (x & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        throw notUtf8(line);
      }
      if (cp >= 0x10000) {
        unread(Character.lowSurrogate(cp));
        return Character.highSurrogate(cp);
      }
      return cp;
    }

    private static Unreadable notUtf8(int line) {
      return new Unreadable(true, "it is not valid UTF-8 text (line " + line + ")");
    }
  }
}

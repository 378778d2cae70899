package org.rap.agent.outputs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * CSV header and counts as the reference computes them with Python's {@code csv.DictReader} (excel
 * dialect): {@code rows} = data rows excluding the header, blank lines skipped; {@code cols} = keys
 * of the first data row as a dict (distinct header names, plus one when the row has more fields
 * than the header); both 0 without data rows.
 */
public record CsvCounts(List<String> headers, int rows, int cols) {

  /** Reads a CSV file (UTF-8; malformed input throws). */
  public static CsvCounts read(Path file) throws IOException {
    var decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder), 65536)) {
      Parser p = new Parser(in);
      List<String> headers = p.next();
      if (headers == null) {
        return new CsvCounts(List.of(), 0, 0);
      }
      List<String> first = p.nextNonBlank();
      if (first == null) {
        return new CsvCounts(headers, 0, 0);
      }
      int cols = new HashSet<>(headers).size() + (first.size() > headers.size() ? 1 : 0);
      int rows = 1;
      while (p.nextNonBlank() != null) {
        rows++;
      }
      return new CsvCounts(headers, rows, cols);
    }
  }

  /** Minimal excel-dialect reader: comma, double quote, "" escapes, newlines inside quotes. */
  private static final class Parser {
    private final BufferedReader in;

    Parser(BufferedReader in) {
      this.in = in;
    }

    List<String> nextNonBlank() throws IOException {
      List<String> row;
      do {
        row = next();
      } while (row != null && row.isEmpty());
      return row;
    }

    /** Next record; an empty list for a blank line; null at end of input. */
    List<String> next() throws IOException {
      int c = in.read();
      if (c < 0) {
        return null;
      }
      List<String> fields = new ArrayList<>();
      StringBuilder field = new StringBuilder();
      boolean inQuotes = false;
      boolean sawAny = false;
      while (true) {
        if (c < 0) {
          break;
        }
        char ch = (char) c;
        if (inQuotes) {
          if (ch == '"') {
            in.mark(1);
            int n = in.read();
            if (n == '"') {
              field.append('"');
            } else {
              inQuotes = false;
              if (n >= 0) {
                in.reset();
              }
            }
          } else {
            field.append(ch);
          }
        } else if (ch == ',') {
          fields.add(field.toString());
          field.setLength(0);
          sawAny = true;
        } else if (ch == '"' && field.length() == 0) {
          inQuotes = true;
          sawAny = true;
        } else if (ch == '\r' || ch == '\n') {
          if (ch == '\r') {
            in.mark(1);
            int n = in.read();
            if (n != '\n' && n >= 0) {
              in.reset();
            }
          }
          break;
        } else {
          field.append(ch);
          sawAny = true;
        }
        c = in.read();
      }
      if (!sawAny && field.length() == 0 && fields.isEmpty()) {
        return List.of();
      }
      fields.add(field.toString());
      return fields;
    }
  }
}

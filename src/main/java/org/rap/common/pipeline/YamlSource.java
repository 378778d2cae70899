package org.rap.common.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.exceptions.Mark;

/**
 * The YAML text being loaded, and YAML error messages about it as ruamel words them: problem and
 * context with position marks, each mark with a snippet of its line and a caret.
 */
final class YamlSource {
  /** What the marks call the document (the controller passes no file name). */
  static final String SOURCE_NAME = "<unicode string>";

  private final String text;
  private int[] codePoints;

  YamlSource(String text) {
    this.text = text;
  }

  String text() {
    return text;
  }

  /** The text's code points (computed once, on first use). */
  int[] codePoints() {
    if (codePoints == null) {
      codePoints = text.codePoints().toArray();
    }
    return codePoints;
  }

  /** The code point at a mark index, or -1 outside the text. */
  int codePointAt(int index) {
    int[] cps = codePoints();
    return index >= 0 && index < cps.length ? cps[index] : -1;
  }

  /** A complete error message for a problem at {@code problemMark}. */
  YamlError error(String context, Optional<Mark> contextMark, String problem, Optional<Mark> mark) {
    return new YamlError(format(context, contextMark, problem, mark));
  }

  /** ruamel's {@code MarkedYAMLError.__str__}. */
  String format(
      String context, Optional<Mark> contextMark, String problem, Optional<Mark> problemMark) {
    List<String> lines = new ArrayList<>(4);
    if (context != null) {
      lines.add(context);
    }
    if (contextMark.isPresent()
        && (problem == null
            || problemMark.isEmpty()
            || contextMark.get().getLine() != problemMark.get().getLine()
            || contextMark.get().getColumn() != problemMark.get().getColumn())) {
      lines.add(markText(contextMark.get()));
    }
    if (problem != null) {
      lines.add(problem);
    }
    problemMark.ifPresent(m -> lines.add(markText(m)));
    return String.join("\n", lines);
  }

  private static boolean isBreak(int cp) {
    return cp == 0 || cp == '\r' || cp == '\n' || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
  }

  /** ruamel's {@code StringMark.__str__} with its snippet (indent 4, max length 75). */
  private String markText(Mark mark) {
    int[] buf = codePoints();
    int pointer = Math.min(Math.max(mark.getIndex(), 0), buf.length);
    String head = "";
    int start = pointer;
    while (start > 0 && !isBreak(buf[start - 1])) {
      start--;
      if (pointer - start > 75 / 2.0 - 1) {
        head = " ... ";
        start += 5;
        break;
      }
    }
    String tail = "";
    int end = pointer;
    while (end < buf.length && !isBreak(buf[end])) {
      end++;
      if (end - pointer > 75 / 2.0 - 1) {
        tail = " ... ";
        end -= 5;
        break;
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append("  in \"")
        .append(SOURCE_NAME)
        .append("\", line ")
        .append(mark.getLine() + 1)
        .append(", column ")
        .append(mark.getColumn() + 1)
        .append(":\n");
    sb.append("    ").append(head);
    for (int i = start; i < end; i++) {
      sb.appendCodePoint(buf[i]);
    }
    sb.append(tail).append('\n');
    sb.append(" ".repeat(4 + pointer - start + head.length()));
    sb.append("^ (line: ").append(mark.getLine() + 1).append(')');
    return sb.toString();
  }
}

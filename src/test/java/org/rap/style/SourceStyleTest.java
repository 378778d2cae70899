package org.rap.style;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Conventions the formatter does not enforce: a type is named through an import, not spelled out
 * with its package inside the code, unless its simple name collides with another type the file uses
 * (formatting and wildcard imports are checked by Spotless).
 */
class SourceStyleTest {
  private static final Pattern QUALIFIED =
      Pattern.compile(
          "(?<![\\w.])((?:java|javax|jdk|io|org|com|picocli)(?:\\.[a-z][a-z0-9_]*)+)\\.([A-Z]\\w*)");
  private static final Pattern IMPORT =
      Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)\\.(\\w+)\\s*;", Pattern.MULTILINE);
  private static final Pattern DECLARED =
      Pattern.compile("\\b(?:class|interface|enum|record)\\s+([A-Z]\\w*)");

  @Test
  void noInlineQualifiedNamesWhereAnImportFits() throws IOException {
    List<String> problems = new ArrayList<>();
    for (Path file : javaSources()) {
      problems.addAll(inlineQualifiedNames(file, Files.readString(file)));
    }
    assertEquals(List.of(), problems, "use an import instead of the qualified name");
  }

  @Test
  void theCheckFindsAnInlineName() {
    String src =
        "package a;\nimport java.util.List;\nclass A {\n"
            + "  java.util.Map<String, String> m; // java.util.Set in a comment\n"
            + "  String s = \"java.util.Set\";\n  List<String> l;\n}\n";
    List<String> found = inlineQualifiedNames(Path.of("A.java"), src);
    assertEquals(List.of("A.java:4: java.util.Map"), found);
  }

  @Test
  void aCollidingNameMayStayQualified() {
    String src =
        "package a;\nimport io.opentelemetry.api.trace.StatusCode;\nclass A {\n"
            + "  Object o = org.rap.common.model.StatusCode.SUCCEEDED;\n}\n";
    assertTrue(inlineQualifiedNames(Path.of("A.java"), src).isEmpty());
  }

  static List<String> inlineQualifiedNames(Path file, String source) {
    String code = stripCommentsAndStrings(source);
    Set<String> usedSimpleNames = new HashSet<>();
    Matcher imports = IMPORT.matcher(code);
    while (imports.find()) {
      usedSimpleNames.add(imports.group(2));
    }
    Matcher declared = DECLARED.matcher(code);
    while (declared.find()) {
      usedSimpleNames.add(declared.group(1));
    }
    List<String> out = new ArrayList<>();
    String[] lines = code.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.startsWith("import ") || line.startsWith("package ")) {
        continue;
      }
      Matcher m = QUALIFIED.matcher(lines[i]);
      while (m.find()) {
        String simple = m.group(2);
        boolean collides = usedSimpleNames.contains(simple) && !importsExactly(code, m.group(0));
        if (!collides) {
          out.add(file + ":" + (i + 1) + ": " + m.group(0));
        }
      }
    }
    return out;
  }

  private static boolean importsExactly(String code, String qualified) {
    return code.contains("import " + qualified + ";");
  }

  /** Blanks comments, string, text-block and char literals, keeping line breaks. */
  static String stripCommentsAndStrings(String s) {
    StringBuilder out = new StringBuilder(s.length());
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (s.startsWith("//", i)) {
        while (i < s.length() && s.charAt(i) != '\n') {
          i++;
        }
      } else if (s.startsWith("/*", i)) {
        int end = s.indexOf("*/", i + 2);
        end = end < 0 ? s.length() : end + 2;
        keepNewlines(out, s, i, end);
        i = end;
      } else if (s.startsWith("\"\"\"", i)) {
        int end = s.indexOf("\"\"\"", i + 3);
        end = end < 0 ? s.length() : end + 3;
        keepNewlines(out, s, i, end);
        out.append("\"\"");
        i = end;
      } else if (c == '"' || c == '\'') {
        int j = i + 1;
        while (j < s.length() && s.charAt(j) != c && s.charAt(j) != '\n') {
          j += s.charAt(j) == '\\' ? 2 : 1;
        }
        out.append(c).append(c);
        i = Math.min(j + 1, s.length());
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private static void keepNewlines(StringBuilder out, String s, int from, int to) {
    for (int k = from; k < to; k++) {
      if (s.charAt(k) == '\n') {
        out.append('\n');
      }
    }
  }

  private static List<Path> javaSources() throws IOException {
    List<Path> files = new ArrayList<>();
    for (String root : List.of("src/main/java", "src/test/java")) {
      try (Stream<Path> walk = Files.walk(Path.of(root))) {
        walk.filter(p -> p.toString().endsWith(".java")).forEach(files::add);
      }
    }
    return files;
  }
}

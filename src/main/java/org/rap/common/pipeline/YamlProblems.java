package org.rap.common.pipeline;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;

/** snakeyaml-engine's wording of a YAML syntax problem, reworded as PyYAML/ruamel word it. */
final class YamlProblems {
  private YamlProblems() {}

  private static final Pattern CANNOT_START =
      Pattern.compile("found character '.*' that cannot start any token.*", Pattern.DOTALL);

  private static final Pattern HEX_ESCAPE =
      Pattern.compile(
          "expected (escape|URI escape) sequence of (\\d+) hexadecimal numbers, but found:? ?(.*)",
          Pattern.DOTALL);

  /** snakeyaml-engine shows a character as {@code x(120)}; PyYAML/ruamel as {@code 'x'}. */
  private static final Pattern CHAR_CODE =
      Pattern.compile("(.*(?:found|character) )(.+?)\\((\\d+)\\)(.*)", Pattern.DOTALL);

  private static final Pattern BUT_GOT =
      Pattern.compile("(expected ',' or '[\\]}]', but got )(<[^>']+>)");

  private static final Pattern QUOTED_NAME =
      Pattern.compile("(found undefined alias |found undefined tag handle )(.*)", Pattern.DOTALL);

  /** The problem text of {@code e} in ruamel's words (null when it has none). */
  static String of(MarkedYamlEngineException e, YamlSource source) {
    String problem = e.getProblem();
    if (problem == null) {
      return null;
    }
    if (CANNOT_START.matcher(problem).matches() && e.getProblemMark().isPresent()) {
      int cp = source.codePointAt(e.getProblemMark().get().getIndex());
      if (cp >= 0) {
        return "found character "
            + PyText.reprString(new String(Character.toChars(cp)))
            + " that cannot start any token";
      }
    }
    Matcher hex = HEX_ESCAPE.matcher(problem);
    if (hex.matches()) {
      String found = hex.group(3);
      int i = 0;
      while (i < found.length() && Character.digit(found.charAt(i), 16) >= 0) {
        i++;
      }
      String ch = i < found.length() ? found.substring(i, i + 1) : "";
      return "expected "
          + hex.group(1)
          + " sequence of "
          + hex.group(2)
          + " hexdecimal numbers, but found "
          + PyText.reprString(ch);
    }
    Matcher m = CHAR_CODE.matcher(problem);
    if (m.matches()) {
      int cp = Integer.parseInt(m.group(3));
      if (Character.isValidCodePoint(cp)) {
        problem = m.group(1) + PyText.reprString(new String(Character.toChars(cp))) + m.group(4);
      }
    }
    if (problem.startsWith("unexpected character found ")) {
      return "expected alphabetic or numeric character, but found "
          + problem.substring("unexpected character found ".length());
    }
    m = BUT_GOT.matcher(problem);
    if (m.matches()) {
      return m.group(1) + "'" + m.group(2) + "'";
    }
    m = QUOTED_NAME.matcher(problem);
    if (m.matches()) {
      return m.group(1) + PyText.reprString(m.group(2));
    }
    if (problem.startsWith("expected <document start>, ")) {
      return "expected '<document start>', "
          + problem.substring("expected <document start>, ".length());
    }
    return problem;
  }
}

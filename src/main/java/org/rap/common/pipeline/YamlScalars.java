package org.rap.common.pipeline;

import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.ConstructNode;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.resolver.ScalarResolver;
import org.snakeyaml.engine.v2.schema.Schema;

/**
 * Scalars as ruamel.yaml's YAML 1.2 safe loader types them: the implicit types of plain scalars
 * ({@link #SCHEMA}) and the value each tag constructs.
 */
final class YamlScalars {
  private YamlScalars() {}

  static final Tag TIMESTAMP = new Tag(Tag.PREFIX + "timestamp");

  private static final Pattern BOOL = Pattern.compile("true|True|TRUE|false|False|FALSE");
  private static final Pattern FLOAT =
      Pattern.compile(
          "[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
              + "|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)"
              + "|[-+]?\\.[0-9_]+(?:[eE][-+][0-9]+)?"
              + "|[-+]?\\.(?:inf|Inf|INF)"
              + "|\\.(?:nan|NaN|NAN)");
  private static final Pattern INT =
      Pattern.compile("[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+");
  private static final Pattern NULL = Pattern.compile("~|null|Null|NULL|");
  private static final Pattern TIMESTAMP_RE =
      Pattern.compile(
          "([0-9]{4})-([0-9]{2})-([0-9]{2})"
              + "|([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[Tt]|[ \\t]+)([0-9]{1,2})"
              + ":([0-9]{2}):([0-9]{2})(\\.[0-9]*)?(?:[ \\t]*(Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?");

  /** Implicit scalar types of ruamel.yaml's YAML 1.2 resolver. */
  private static final ScalarResolver RESOLVER =
      (value, implicit) -> {
        if (!implicit) {
          return Tag.STR;
        }
        if (value.isEmpty()) {
          return Tag.NULL;
        }
        char c = value.charAt(0);
        if ((c == 't' || c == 'T' || c == 'f' || c == 'F') && BOOL.matcher(value).matches()) {
          return Tag.BOOL;
        }
        boolean numStart = c == '-' || c == '+' || (c >= '0' && c <= '9');
        if ((numStart || c == '.') && FLOAT.matcher(value).matches()) {
          return Tag.FLOAT;
        }
        if (numStart && INT.matcher(value).matches()) {
          return Tag.INT;
        }
        if (c == '<' && value.equals("<<")) {
          return Tag.MERGE;
        }
        if ((c == '~' || c == 'n' || c == 'N') && NULL.matcher(value).matches()) {
          return Tag.NULL;
        }
        if (c >= '0' && c <= '9' && TIMESTAMP_RE.matcher(value).matches()) {
          return TIMESTAMP;
        }
        return Tag.STR;
      };

  /** The schema for {@code LoadSettings}: ruamel's resolver, construction done by the loader. */
  static final Schema SCHEMA =
      new Schema() {
        @Override
        public ScalarResolver getScalarResolver() {
          return RESOLVER;
        }

        @Override
        public Map<Tag, ConstructNode> getSchemaTagConstructors() {
          return Map.of();
        }
      };

  /** The value of a scalar node. */
  static Object construct(ScalarNode node, YamlSource source) throws YamlError {
    Tag tag = node.getTag();
    String value = node.getValue();
    if (Tag.STR.equals(tag) || Tag.MERGE.equals(tag)) {
      return value;
    }
    if (Tag.NULL.equals(tag)) {
      return null;
    }
    if (Tag.BOOL.equals(tag)) {
      switch (value.toLowerCase(Locale.ROOT)) {
        case "true", "yes", "on" -> {
          return Boolean.TRUE;
        }
        case "false", "no", "off" -> {
          return Boolean.FALSE;
        }
        default ->
            throw error(
                source, node, "could not convert " + PyText.reprString(value) + " to a boolean");
      }
    }
    if (Tag.INT.equals(tag)) {
      BigInteger i = parseInt(value);
      if (i == null) {
        throw error(
            source, node, "could not convert " + PyText.reprString(value) + " to an integer");
      }
      return i;
    }
    if (Tag.FLOAT.equals(tag)) {
      Double d = parseYamlFloat(value);
      if (d == null) {
        throw error(source, node, "could not convert " + PyText.reprString(value) + " to a float");
      }
      return d;
    }
    if (TIMESTAMP.equals(tag)) {
      return timestamp(source, node, value);
    }
    return new PyText.Tagged(tag.getValue(), value);
  }

  private static YamlError error(YamlSource source, ScalarNode node, String problem) {
    return source.error(
        "while constructing a scalar", Optional.empty(), problem, node.getStartMark());
  }

  /** ruamel's YAML 1.2 integer construction (underscores ignored, 0b/0o/0x prefixes). */
  static BigInteger parseInt(String raw) {
    String s = raw.replace("_", "");
    if (s.isEmpty()) {
      return null;
    }
    int sign = 1;
    if (s.charAt(0) == '-') {
      sign = -1;
    }
    if (s.charAt(0) == '-' || s.charAt(0) == '+') {
      s = s.substring(1);
    }
    try {
      BigInteger v;
      if (s.startsWith("0b")) {
        v = new BigInteger(s.substring(2), 2);
      } else if (s.startsWith("0x")) {
        v = new BigInteger(s.substring(2), 16);
      } else if (s.startsWith("0o")) {
        v = new BigInteger(s.substring(2), 8);
      } else {
        v = new BigInteger(s, 10);
      }
      return sign < 0 ? v.negate() : v;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static Double parseYamlFloat(String raw) {
    String s = raw.replace("_", "").toLowerCase(Locale.ROOT);
    if (s.isEmpty()) {
      return null;
    }
    double sign = s.charAt(0) == '-' ? -1 : 1;
    if (s.charAt(0) == '-' || s.charAt(0) == '+') {
      s = s.substring(1);
    }
    if (s.equals(".inf")) {
      return sign * Double.POSITIVE_INFINITY;
    }
    if (s.equals(".nan")) {
      return Double.NaN;
    }
    if (s.isEmpty() || s.equals(".") || s.startsWith("e") || s.startsWith(".e")) {
      return null;
    }
    try {
      return sign * Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Object timestamp(YamlSource source, ScalarNode node, String value)
      throws YamlError {
    Matcher m = TIMESTAMP_RE.matcher(value);
    if (!m.matches()) {
      return value;
    }
    try {
      if (m.group(1) != null) {
        LocalDate d =
            LocalDate.of(
                Integer.parseInt(m.group(1)),
                Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)));
        return new PyText.Timestamp(
            value,
            d.toString(),
            "datetime.date("
                + d.getYear()
                + ", "
                + d.getMonthValue()
                + ", "
                + d.getDayOfMonth()
                + ")");
      }
      LocalDate d =
          LocalDate.of(
              Integer.parseInt(m.group(4)),
              Integer.parseInt(m.group(5)),
              Integer.parseInt(m.group(6)));
      int h = Integer.parseInt(m.group(7));
      int min = Integer.parseInt(m.group(8));
      int sec = Integer.parseInt(m.group(9));
      LocalTime.of(h, min, sec);
      String str = String.format("%s %02d:%02d:%02d", d, h, min, sec);
      return new PyText.Timestamp(value, str, "datetime.datetime(" + str + ")");
    } catch (DateTimeException | NumberFormatException e) {
      throw error(
          source,
          node,
          "could not convert " + PyText.reprString(value) + " to a date: " + e.getMessage());
    }
  }
}

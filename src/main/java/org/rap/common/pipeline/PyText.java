package org.rap.common.pipeline;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Python's text conversions as the reference applies them to YAML values: {@code str()}, {@code
 * repr()}, {@code float()} and {@code int()}. Messages quote values this way.
 */
final class PyText {
  private PyText() {}

  /** A YAML sequence used as a mapping key (Python turns it into a tuple). */
  record Tuple(List<Object> items) {}

  /** A scalar with a tag the reference does not know (ruamel keeps it as a tagged scalar). */
  record Tagged(String tag, String value) {}

  /** A YAML timestamp (the reference builds a {@code datetime.date} or {@code datetime}). */
  record Timestamp(String text, String str, String repr) {}

  /** {@code str(value)}. */
  static String str(Object v) {
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Timestamp t) {
      return t.str();
    }
    if (v instanceof Tagged t) {
      return t.value();
    }
    return repr(v);
  }

  /** {@code repr(value)}, with mappings shown as ruamel's ordered dictionaries. */
  static String repr(Object v) {
    StringBuilder sb = new StringBuilder();
    repr(v, sb, 0);
    if (sb.length() > MAX_REPR) {
      sb.setLength(MAX_REPR);
      sb.append("...");
    }
    return sb.toString();
  }

  /** Longest text rendered for one value (aliases can make a value exponentially large). */
  static final int MAX_REPR = 200_000;

  private static void repr(Object v, StringBuilder sb, int depth) {
    if (sb.length() > MAX_REPR) {
      return;
    }
    if (depth > 200) {
      sb.append("...");
      return;
    }
    if (v == null) {
      sb.append("None");
    } else if (v instanceof String s) {
      sb.append(reprString(s));
    } else if (v instanceof Boolean b) {
      sb.append(b ? "True" : "False");
    } else if (v instanceof BigInteger || v instanceof Long || v instanceof Integer) {
      sb.append(v);
    } else if (v instanceof Double d) {
      sb.append(floatRepr(d));
    } else if (v instanceof Timestamp t) {
      sb.append(t.repr());
    } else if (v instanceof Tagged t) {
      sb.append("TaggedScalar(value=")
          .append(reprString(t.value()))
          .append(", tag=")
          .append(reprString(t.tag()))
          .append(')');
    } else if (v instanceof Tuple t) {
      sb.append('(');
      int i = 0;
      for (Object o : t.items()) {
        if (i++ > 0) {
          sb.append(", ");
        }
        repr(o, sb, depth + 1);
      }
      if (t.items().size() == 1) {
        sb.append(',');
      }
      sb.append(')');
    } else if (v instanceof List<?> l) {
      sb.append('[');
      int i = 0;
      for (Object o : l) {
        if (i++ > 0) {
          sb.append(", ");
        }
        if (o == l) {
          sb.append("[...]");
        } else {
          repr(o, sb, depth + 1);
        }
      }
      sb.append(']');
    } else if (v instanceof Map<?, ?> m) {
      sb.append("ordereddict([");
      int i = 0;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (i++ > 0) {
          sb.append(", ");
        }
        sb.append('(');
        repr(e.getKey(), sb, depth + 1);
        sb.append(", ");
        if (e.getValue() == m) {
          sb.append("...");
        } else {
          repr(e.getValue(), sb, depth + 1);
        }
        sb.append(')');
      }
      sb.append("])");
    } else {
      sb.append(v);
    }
  }

  /** Python's {@code repr} of a str. */
  static String reprString(String s) {
    char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    StringBuilder sb = new StringBuilder(s.length() + 2).append(quote);
    s.codePoints().forEach(cp -> appendReprCodePoint(sb, cp, quote));
    return sb.append(quote).toString();
  }

  private static void appendReprCodePoint(StringBuilder sb, int cp, char quote) {
    if (cp == quote || cp == '\\') {
      sb.append('\\').appendCodePoint(cp);
    } else if (cp == '\t') {
      sb.append("\\t");
    } else if (cp == '\n') {
      sb.append("\\n");
    } else if (cp == '\r') {
      sb.append("\\r");
    } else if (isPrintable(cp)) {
      sb.appendCodePoint(cp);
    } else if (cp < 0x100) {
      sb.append(String.format("\\x%02x", cp));
    } else if (cp < 0x10000) {
      sb.append(String.format("\\u%04x", cp));
    } else {
      sb.append(String.format("\\U%08x", cp));
    }
  }

  /** Python's {@code str.isprintable} for one code point. */
  static boolean isPrintable(int cp) {
    if (cp == ' ') {
      return true;
    }
    switch (Character.getType(cp)) {
      case Character.CONTROL,
          Character.FORMAT,
          Character.SURROGATE,
          Character.PRIVATE_USE,
          Character.UNASSIGNED,
          Character.LINE_SEPARATOR,
          Character.PARAGRAPH_SEPARATOR,
          Character.SPACE_SEPARATOR -> {
        return false;
      }
      default -> {
        return true;
      }
    }
  }

  /** Python's {@code repr(float)}: shortest round-trip digits, exponent form outside 1e-4..1e16. */
  static String floatRepr(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    if (d == 0) {
      return (1 / d < 0) ? "-0.0" : "0.0";
    }
    BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
    String digits = bd.unscaledValue().toString();
    int exp = digits.length() - bd.scale() - 1; // decimal exponent of the first digit
    String sign = d < 0 ? "-" : "";
    if (exp >= -4 && exp < 16) {
      String plain = bd.toPlainString();
      if (plain.indexOf('.') < 0) {
        plain = plain + ".0";
      }
      return sign + plain;
    }
    StringBuilder sb = new StringBuilder(sign).append(digits.charAt(0));
    if (digits.length() > 1) {
      sb.append('.').append(digits, 1, digits.length());
    }
    sb.append('e').append(exp < 0 ? '-' : '+');
    int a = Math.abs(exp);
    if (a < 10) {
      sb.append('0');
    }
    return sb.append(a).toString();
  }

  /** Python's {@code float(value)}; null when Python raises TypeError or ValueError. */
  static Double toFloat(Object v) {
    if (v instanceof Boolean b) {
      return b ? 1.0 : 0.0;
    }
    if (v instanceof BigInteger i) {
      double d = i.doubleValue();
      return Double.isInfinite(d) ? null : d; // Python raises OverflowError
    }
    if (v instanceof Double d) {
      return d;
    }
    if (v instanceof String s) {
      return parseFloat(s);
    }
    return null;
  }

  /** Python's {@code float(str)}; null on ValueError. */
  static Double parseFloat(String raw) {
    String s = normaliseDigits(stripPy(raw));
    if (s == null || s.isEmpty()) {
      return null;
    }
    String body = s;
    String sign = "";
    if (body.startsWith("+") || body.startsWith("-")) {
      sign = body.substring(0, 1);
      body = body.substring(1);
    }
    String lower = body.toLowerCase(Locale.ROOT);
    if (lower.equals("inf") || lower.equals("infinity")) {
      return sign.equals("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (lower.equals("nan")) {
      return Double.NaN;
    }
    if (!FLOAT_TEXT.matcher(body).matches()) {
      return null;
    }
    try {
      return Double.parseDouble(sign + body.replace("_", ""));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static final Pattern FLOAT_TEXT =
      Pattern.compile(
          "(?:[0-9](?:_?[0-9])*(?:\\.(?:[0-9](?:_?[0-9])*)?)?|\\.[0-9](?:_?[0-9])*)"
              + "(?:[eE][-+]?[0-9](?:_?[0-9])*)?");

  private static final Pattern INT_TEXT = Pattern.compile("[-+]?[0-9](?:_?[0-9])*");

  /** Python's {@code int(value)}; null when Python raises TypeError/ValueError/OverflowError. */
  static BigInteger toInt(Object v) {
    if (v instanceof Boolean b) {
      return b ? BigInteger.ONE : BigInteger.ZERO;
    }
    if (v instanceof BigInteger i) {
      return i;
    }
    if (v instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        return null;
      }
      return new BigDecimal(d).toBigInteger();
    }
    if (v instanceof String s) {
      String t = normaliseDigits(stripPy(s));
      if (t == null || !INT_TEXT.matcher(t).matches()) {
        return null;
      }
      return new BigInteger(t.replace("_", ""));
    }
    return null;
  }

  /** Strips whitespace as Python's {@code str.strip()} does. */
  static String stripPy(String s) {
    int b = 0;
    int e = s.length();
    while (b < e && isPyWhitespace(s.charAt(b))) {
      b++;
    }
    while (e > b && isPyWhitespace(s.charAt(e - 1))) {
      e--;
    }
    return s.substring(b, e);
  }

  private static boolean isPyWhitespace(char c) {
    return Character.isWhitespace(c)
        || Character.isSpaceChar(c)
        || (c >= 0x1c && c <= 0x1f)
        || c == 0x85;
  }

  /** Replaces Unicode decimal digits by ASCII ones; null if a non-ASCII non-digit is present. */
  private static String normaliseDigits(String s) {
    boolean ascii = true;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (cp <= 0x7f) {
        sb.append((char) cp);
      } else if (Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER) {
        sb.append((char) ('0' + Character.digit(cp, 10)));
      } else {
        return null;
      }
    }
    return sb.toString();
  }
}

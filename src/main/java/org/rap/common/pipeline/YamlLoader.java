package org.rap.common.pipeline;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.ConstructNode;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlVersionException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.resolver.ScalarResolver;
import org.snakeyaml.engine.v2.scanner.ScannerImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;
import org.snakeyaml.engine.v2.schema.Schema;
import org.snakeyaml.engine.v2.tokens.ScalarToken;
import org.snakeyaml.engine.v2.tokens.Token;

/**
 * Loads YAML text into plain values the way the reference does (ruamel.yaml, YAML 1.2, safe types,
 * duplicate keys rejected), and words YAML errors as ruamel does: problem, position marks with a
 * snippet and caret.
 *
 * <p>Values: {@code null}, {@link String}, {@link Boolean}, {@link BigInteger}, {@link Double},
 * {@link List}, {@link LinkedHashMap} (file order), and the {@link PyText} records for rarer types.
 */
final class YamlLoader {
  static final String SOURCE_NAME = "<unicode string>";
  private static final int MAX_DEPTH = 2000;

  /** Thrown with the complete, user-facing YAML error message. */
  static final class YamlError extends Exception {
    YamlError(String message) {
      super(message, null, false, false);
    }
  }

  private static final Tag TIMESTAMP = new Tag(Tag.PREFIX + "timestamp");

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

  private static final Schema SCHEMA =
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

  private final String text;
  private int[] codePoints;
  private final IdentityHashMap<Node, Object> built = new IdentityHashMap<>();

  private YamlLoader(String text) {
    this.text = text;
  }

  /**
   * Parses one YAML document.
   *
   * @return the document's value, or {@link Optional#empty()} for a stream with no document
   */
  static Optional<Object> load(String text) throws YamlError {
    return new YamlLoader(text).run();
  }

  private Optional<Object> run() throws YamlError {
    LoadSettings settings =
        LoadSettings.builder()
            .setSchema(SCHEMA)
            .setLabel(SOURCE_NAME)
            .setAllowNonScalarKeys(true)
            .setAllowRecursiveKeys(false)
            .setMaxAliasesForCollections(10_000)
            .setCodePointLimit(Integer.MAX_VALUE)
            .build();
    int badTab = text.indexOf('\t') < 0 ? -1 : scanTabs(settings);
    if (badTab >= 0 && libyamlRejectsTab) {
      throw tabError(badTab);
    }
    Optional<Node> root;
    try {
      root = new Compose(settings).composeString(text);
    } catch (MarkedYamlEngineException e) {
      int at = e.getProblemMark().map(Mark::getIndex).orElse(Integer.MAX_VALUE);
      if (badTab >= 0 && badTab <= at) {
        throw tabError(badTab);
      }
      String context = e.getContext() == null || e.getContext().isEmpty() ? null : e.getContext();
      throw new YamlError(format(context, e.getContextMark(), fixProblem(e), e.getProblemMark()));
    } catch (ReaderException e) {
      throw new YamlError(
          String.format(
                  "unacceptable character #x%04x: special characters are not allowed%n  in \"%s\", position %d",
                  e.getCodePoint(), SOURCE_NAME, e.getPosition())
              .replace("\r\n", "\n"));
    } catch (YamlVersionException e) {
      throw new YamlError("found incompatible YAML document (version 1.* is required)");
    } catch (YamlEngineException e) {
      throw new YamlError(e.getMessage());
    } catch (StackOverflowError e) {
      throw new YamlError("the YAML document is nested too deeply to be read");
    } catch (RuntimeException e) {
      throw new YamlError("the YAML document could not be read: " + e);
    }
    if (root.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(construct(root.get(), 0));
    } catch (YamlError e) {
      // The fast parser failed, so the reference re-reads with the pure parser, which stops at
      // the first tab it does not accept before any construction error.
      if (badTab >= 0) {
        throw tabError(badTab);
      }
      throw e;
    } catch (StackOverflowError e) {
      throw new YamlError("the YAML document is nested too deeply to be read");
    }
  }

  // ---------------------------------------------------------------- tabs

  private boolean libyamlRejectsTab;

  /**
   * Tabs. The reference first tries libyaml, which accepts tabs except where a simple key may start
   * in block context (line starts, after '-', '?', ':'); if that fails for any reason it re-reads
   * with the pure-Python parser, which rejects every tab outside quoted scalars, block scalars and
   * comments. snakeyaml-engine accepts more than both.
   *
   * <p>Sets {@link #libyamlRejectsTab} and returns the index of the first tab the pure parser
   * rejects (-1 if none). That tab is the reference's error when libyaml rejects a tab, or when the
   * document fails later for another reason.
   */
  private int scanTabs(LoadSettings settings) {
    int[] cps = codePoints();
    TabState st = new TabState();
    ScannerImpl scanner = new ScannerImpl(settings, new StreamReader(settings, text));
    try {
      while (scanner.hasNext()) {
        Token t = scanner.next();
        int start = t.getStartMark().map(Mark::getIndex).orElse(st.prevEnd);
        int end = t.getEndMark().map(Mark::getIndex).orElse(start);
        if (start > st.prevEnd) {
          scanGap(cps, st, st.prevEnd, start);
        }
        Token.ID id = t.getTokenId();
        if (t instanceof ScalarToken sc && sc.isPlain()) {
          for (int i = start; i < end && i < cps.length; i++) {
            if (cps[i] == '\t') {
              st.ruamelBad(i);
            }
          }
        }
        switch (id) {
          case FlowSequenceStart, FlowMappingStart -> st.flow++;
          case FlowSequenceEnd, FlowMappingEnd -> st.flow = Math.max(0, st.flow - 1);
          default -> {}
        }
        if (end > start || id == Token.ID.StreamStart) {
          st.simpleKeyAllowed =
              switch (id) {
                case StreamStart, DocumentStart, DocumentEnd, BlockEntry, Key, Value -> true;
                default -> false;
              };
        }
        st.prevEnd = Math.max(st.prevEnd, end);
      }
    } catch (MarkedYamlEngineException e) {
      int at = e.getProblemMark().map(Mark::getIndex).orElse(st.prevEnd);
      scanGap(cps, st, st.prevEnd, Math.min(cps.length, at + 1));
    } catch (RuntimeException | StackOverflowError e) {
      // the composer reports it
    }
    libyamlRejectsTab = st.libyamlRejects;
    return st.firstRuamelBad;
  }

  private static final class TabState {
    int prevEnd;
    int flow;
    boolean simpleKeyAllowed = true;
    boolean libyamlRejects;
    int firstRuamelBad = -1;

    void ruamelBad(int i) {
      if (firstRuamelBad < 0 || i < firstRuamelBad) {
        firstRuamelBad = i;
      }
    }
  }

  private static void scanGap(int[] cps, TabState st, int from, int to) {
    boolean comment = false;
    for (int i = from; i < to && i < cps.length; i++) {
      int c = cps[i];
      if (c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029) {
        comment = false;
        if (st.flow == 0) {
          st.simpleKeyAllowed = true;
        }
      } else if (comment) {
        continue;
      } else if (c == '#') {
        comment = true;
      } else if (c == '\t') {
        st.ruamelBad(i);
        if (st.flow == 0 && st.simpleKeyAllowed) {
          st.libyamlRejects = true;
        }
      }
    }
  }

  private YamlError tabError(int index) {
    int[] cps = codePoints();
    int line = 0;
    int lineStart = 0;
    for (int i = 0; i < index && i < cps.length; i++) {
      int c = cps[i];
      if (c == '\n'
          || c == 0x85
          || c == 0x2028
          || c == 0x2029
          || (c == '\r' && (i + 1 >= cps.length || cps[i + 1] != '\n'))) {
        line++;
        lineStart = i + 1;
      }
    }
    int column = index - lineStart - (lineStart == 0 && cps.length > 0 && cps[0] == 0xFEFF ? 1 : 0);
    Mark mark = new Mark(SOURCE_NAME, index, line, column, cps, index);
    return new YamlError(
        format(
            "while scanning for the next token",
            Optional.empty(),
            "found character '\\t' that cannot start any token",
            Optional.of(mark)));
  }

  // ---------------------------------------------------------------- construction

  private Object construct(Node node, int depth) throws YamlError {
    if (depth > MAX_DEPTH) {
      throw new YamlError(
          format(
              null,
              Optional.empty(),
              "the YAML document is nested too deeply to be read",
              node.getStartMark()));
    }
    if (built.containsKey(node)) {
      return built.get(node);
    }
    if (node instanceof ScalarNode scalar) {
      Object v = constructScalar(scalar);
      built.put(node, v);
      return v;
    }
    if (node instanceof SequenceNode seq) {
      List<Object> list = new ArrayList<>(seq.getValue().size());
      built.put(node, list);
      for (Node child : seq.getValue()) {
        list.add(construct(child, depth + 1));
      }
      return list;
    }
    if (node instanceof MappingNode mapping) {
      LinkedHashMap<Object, Object> map = new LinkedHashMap<>();
      built.put(node, map);
      constructMapping(mapping, map, depth);
      return map;
    }
    throw new YamlError("unsupported YAML node " + node.getNodeType());
  }

  private void constructMapping(MappingNode node, LinkedHashMap<Object, Object> map, int depth)
      throws YamlError {
    boolean hasMerge = false;
    for (NodeTuple t : node.getValue()) {
      if (isMergeKey(t.getKeyNode())) {
        hasMerge = true;
        break;
      }
    }
    Map<Object, Object> seen = new HashMap<>();
    if (!hasMerge) {
      for (NodeTuple t : node.getValue()) {
        Object key = constructKey(t.getKeyNode(), depth);
        Object value = construct(t.getValueNode(), depth + 1);
        Object norm = normKey(key, 0);
        if (seen.containsKey(norm)) {
          Object original = map.get(seen.get(norm));
          throw new YamlError(
              format(
                  "while constructing a mapping",
                  node.getStartMark(),
                  "found duplicate key \""
                      + PyText.str(key)
                      + "\" with value \""
                      + PyText.str(value)
                      + "\" (original value: \""
                      + PyText.str(original)
                      + "\")",
                  t.getKeyNode().getStartMark()));
        }
        seen.put(norm, key);
        map.put(key, value);
      }
      return;
    }
    // Merge keys (<<): merged pairs first, the mapping's own pairs override them; no duplicate
    // check, as ruamel's safe loader does it.
    List<NodeTuple> pairs = new ArrayList<>();
    flattenMerges(node, pairs, 0);
    for (NodeTuple t : node.getValue()) {
      if (!isMergeKey(t.getKeyNode())) {
        pairs.add(t);
      }
    }
    for (NodeTuple t : pairs) {
      Object key = constructKey(t.getKeyNode(), depth);
      Object value = construct(t.getValueNode(), depth + 1);
      Object norm = normKey(key, 0);
      Object existing = seen.get(norm);
      if (existing != null || seen.containsKey(norm)) {
        map.put(existing, value);
      } else {
        seen.put(norm, key);
        map.put(key, value);
      }
    }
  }

  private void flattenMerges(MappingNode node, List<NodeTuple> out, int depth) throws YamlError {
    if (depth > 100) {
      throw new YamlError("merge keys (<<) are nested too deeply");
    }
    for (NodeTuple t : node.getValue()) {
      if (!isMergeKey(t.getKeyNode())) {
        continue;
      }
      Node v = t.getValueNode();
      if (v instanceof MappingNode m) {
        addMerged(m, out, depth);
      } else if (v instanceof SequenceNode s) {
        List<Node> items = new ArrayList<>(s.getValue());
        Collections.reverse(items);
        for (Node item : items) {
          if (!(item instanceof MappingNode m)) {
            throw new YamlError(
                format(
                    "while constructing a mapping",
                    node.getStartMark(),
                    "expected a mapping for merging, but found " + nodeId(item),
                    item.getStartMark()));
          }
          addMerged(m, out, depth);
        }
      } else {
        throw new YamlError(
            format(
                "while constructing a mapping",
                node.getStartMark(),
                "expected a mapping or list of mappings for merging, but found " + nodeId(v),
                v.getStartMark()));
      }
    }
  }

  private void addMerged(MappingNode m, List<NodeTuple> out, int depth) throws YamlError {
    flattenMerges(m, out, depth + 1);
    for (NodeTuple t : m.getValue()) {
      if (!isMergeKey(t.getKeyNode())) {
        out.add(t);
      }
    }
  }

  private static String nodeId(Node n) {
    return switch (n.getNodeType()) {
      case SCALAR -> "scalar";
      case SEQUENCE -> "sequence";
      case MAPPING -> "mapping";
      default -> n.getNodeType().toString().toLowerCase(Locale.ROOT);
    };
  }

  private static boolean isMergeKey(Node key) {
    return key instanceof ScalarNode s && Tag.MERGE.equals(s.getTag());
  }

  private Object constructKey(Node keyNode, int depth) throws YamlError {
    Object key = construct(keyNode, depth + 1);
    if (key instanceof List<?> l) {
      return new PyText.Tuple(new ArrayList<>(l));
    }
    return key;
  }

  private static final Object NONE_KEY = new Object();

  /** A key that is equal to another exactly when Python's dict would treat them as equal. */
  private Object normKey(Object key, int depth) throws YamlError {
    if (depth > 100) {
      throw new YamlError("a mapping key is nested too deeply");
    }
    if (key == null) {
      return NONE_KEY;
    }
    if (key instanceof Boolean b) {
      return b ? BigInteger.ONE : BigInteger.ZERO;
    }
    if (key instanceof Double d) {
      if (d.isNaN()) {
        return new Object();
      }
      if (!d.isInfinite() && d == Math.rint(d)) {
        return new BigDecimal(d).toBigInteger();
      }
      return d;
    }
    if (key instanceof PyText.Tuple t) {
      List<Object> items = new ArrayList<>();
      for (Object o : t.items()) {
        items.add(normKey(o, depth + 1));
      }
      return items;
    }
    if (key instanceof Map<?, ?> m) {
      List<Object> items = new ArrayList<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        items.add(List.of(normKey(e.getKey(), depth + 1), normKey(e.getValue(), depth + 1)));
      }
      return Map.of("map", items);
    }
    if (key instanceof List<?> l) {
      List<Object> items = new ArrayList<>();
      for (Object o : l) {
        items.add(normKey(o, depth + 1));
      }
      return items;
    }
    if (key instanceof PyText.Tagged) {
      return new Object(); // hashed by identity in the reference
    }
    return key;
  }

  private Object constructScalar(ScalarNode node) throws YamlError {
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
            throw constructError(
                node, "could not convert " + PyText.reprString(value) + " to a boolean");
      }
    }
    if (Tag.INT.equals(tag)) {
      BigInteger i = parseInt(value);
      if (i == null) {
        throw constructError(
            node, "could not convert " + PyText.reprString(value) + " to an integer");
      }
      return i;
    }
    if (Tag.FLOAT.equals(tag)) {
      Double d = parseYamlFloat(value);
      if (d == null) {
        throw constructError(node, "could not convert " + PyText.reprString(value) + " to a float");
      }
      return d;
    }
    if (TIMESTAMP.equals(tag)) {
      return timestamp(node, value);
    }
    return new PyText.Tagged(tag.getValue(), value);
  }

  private YamlError constructError(ScalarNode node, String problem) {
    return new YamlError(
        format("while constructing a scalar", Optional.empty(), problem, node.getStartMark()));
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

  private Object timestamp(ScalarNode node, String value) throws YamlError {
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
      throw constructError(
          node, "could not convert " + PyText.reprString(value) + " to a date: " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------- messages

  private static final Pattern CANNOT_START =
      Pattern.compile("found character '.*' that cannot start any token.*", Pattern.DOTALL);

  private String fixProblem(MarkedYamlEngineException e) {
    String problem = e.getProblem();
    if (problem == null) {
      return null;
    }
    if (CANNOT_START.matcher(problem).matches() && e.getProblemMark().isPresent()) {
      int cp = codePointAt(e.getProblemMark().get().getIndex());
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

  /** ruamel's {@code MarkedYAMLError.__str__}. */
  private String format(
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

  private int[] codePoints() {
    if (codePoints == null) {
      codePoints = text.codePoints().toArray();
    }
    return codePoints;
  }

  private int codePointAt(int index) {
    int[] cps = codePoints();
    return index >= 0 && index < cps.length ? cps[index] : -1;
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

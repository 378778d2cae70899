package org.rap.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rap.common.config.ConfigKeys.Group;
import org.rap.common.config.ConfigKeys.Key;

/**
 * Ties docs/spec/configuration.md to the code so that neither can drift: {@link ConfigKeys} is the
 * list of keys; the document's tables (those whose first header cell is {@code Variable}) must name
 * exactly those keys, each in the section of its group, with the same default; the code under
 * src/main/java must read exactly those keys (found by scanning it for reads through {@link
 * Settings} and of the process environment); and every literal default in that code and in the
 * packaged conf/*.yaml must equal the registered one.
 */
class ConfigurationReferenceTest {
  private static final Path DOC = Path.of("docs/spec/configuration.md");
  private static final Path SOURCES = Path.of("src/main/java");
  private static final Path CONF = Path.of("conf");

  /** A literal argument: a string, a number or a boolean. */
  private static final String LITERAL = "(\"[^\"]*\"|-?[0-9][0-9_.]*[lLdD]?|true|false)";

  /**
   * A read through {@link Settings}: {@code s.string("KEY", ...)}, a per-backend {@code s.list(p +
   * "SUFFIX", ...)}, or a per-database {@code s.raw(name.toUpperCase(..) + "_SUFFIX")}.
   */
  private static final Pattern SETTINGS_READ =
      Pattern.compile(
          "\\b(?:s|settings)\\s*\\.\\s*(?:get|raw|string|integer|longValue|decimal|flag|list|port"
              + "|absolutePath|memory|bytes|required)\\s*\\(\\s*(?:\"([A-Z][A-Z0-9_]*)\""
              + "|[a-z]\\w*\\s*\\+\\s*\"([A-Z][A-Z0-9_]*)\""
              + "|[^()\"]*\\([^()]*\\)\\s*\\+\\s*\"(_[A-Z][A-Z0-9_]*)\")");

  /**
   * A read of the process environment, or of an environment map, by a literal name (writes such as
   * {@code env.put} or {@code putIfAbsent} into a child's environment are not reads).
   */
  private static final Pattern ENV_READ =
      Pattern.compile(
          "\\b(?:System\\s*\\.\\s*getenv\\s*\\(\\s*\\)\\s*\\.\\s*(get|getOrDefault)"
              + "|System\\s*\\.\\s*(getenv)|env\\s*\\.\\s*(get|getOrDefault))"
              + "\\s*\\(\\s*\"([A-Z][A-Z0-9_]*)\"");

  /**
   * Variables of the operating system that the code reads but that are not RAP settings: {@code
   * PATH} is where {@code rap backup} and {@code rap restore} look for the PostgreSQL tools.
   */
  private static final Set<String> OPERATING_SYSTEM = Set.of("PATH");

  /** The default argument right after the key: {@code , <literal>} then {@code ,} or {@code )}. */
  private static final Pattern DEFAULT_ARGUMENT =
      Pattern.compile("\\s*,\\s*" + LITERAL + "\\s*[,)]");

  /** A default given by {@code .orElse(<literal>)} right after {@code s.raw("KEY")}. */
  private static final Pattern OR_ELSE =
      Pattern.compile("\\s*\\)\\s*\\.\\s*orElse\\s*\\(\\s*" + LITERAL + "\\s*\\)");

  private static final Pattern BACKTICKED = Pattern.compile("^`([^`]+)`$");
  private static final Pattern DOC_NAME = Pattern.compile("(<B>_)?[A-Z][A-Z0-9_]*");
  private static final Pattern SECTION = Pattern.compile("^## (\\d+)\\.");
  private static final Pattern YAML_ENTRY =
      Pattern.compile("^([A-Za-z_][A-Za-z0-9_]*):\\s*(?:\"(.*)\"|(\\S.*?))?\\s*$");

  /** A documented variable: its name, Default cell and the section it is documented in. */
  private record Row(String name, String defaultCell, int section, int line) {}

  /** A key the code reads, where it reads it, and the literal default given there, if any. */
  private record Read(String key, String where, Optional<String> literalDefault) {}

  private static List<Row> rows;
  private static List<Read> reads;

  @BeforeAll
  static void load() throws IOException {
    rows = documentedRows(Files.readAllLines(DOC));
    reads = readsInCode();
  }

  @Test
  void everyRegisteredKeyIsDocumented() {
    Set<String> documented = new LinkedHashSet<>();
    rows.forEach(r -> documented.add(r.name()));
    List<String> missing = new ArrayList<>();
    for (Key k : ConfigKeys.ALL) {
      if (!documented.contains(k.name())) {
        missing.add(k.name());
      }
    }
    assertEquals(List.of(), missing, "keys of ConfigKeys without a row in " + DOC);
  }

  @Test
  void everyDocumentedVariableIsRegistered() {
    List<String> unknown = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    List<String> duplicates = new ArrayList<>();
    for (Row r : rows) {
      if (ConfigKeys.find(r.name()).isEmpty()) {
        unknown.add(r.name() + " (line " + r.line() + ")");
      }
      if (!seen.add(r.name())) {
        duplicates.add(r.name());
      }
    }
    assertEquals(List.of(), unknown, "variables in " + DOC + " that ConfigKeys does not list");
    assertEquals(List.of(), duplicates, "variables documented twice in " + DOC);
  }

  @Test
  void documentedDefaultsMatchTheRegistry() {
    List<String> wrong = new ArrayList<>();
    for (Row r : rows) {
      ConfigKeys.find(r.name())
          .filter(k -> !k.documentedDefault().equals(r.defaultCell()))
          .ifPresent(
              k ->
                  wrong.add(
                      r.name()
                          + " (line "
                          + r.line()
                          + "): documented '"
                          + r.defaultCell()
                          + "', registered '"
                          + k.documentedDefault()
                          + "'"));
    }
    assertEquals(List.of(), wrong, "defaults in " + DOC + " that differ from ConfigKeys");
  }

  @Test
  void everyVariableIsDocumentedInTheSectionOfItsGroup() {
    Map<Group, Integer> sections =
        Map.of(Group.COMMON, 2, Group.CONTROLLER, 3, Group.PER_BACKEND, 3, Group.AGENT, 4);
    List<String> misplaced = new ArrayList<>();
    for (Row r : rows) {
      ConfigKeys.find(r.name())
          .filter(k -> sections.get(k.group()) != r.section())
          .ifPresent(k -> misplaced.add(r.name() + " in section " + r.section()));
    }
    assertEquals(List.of(), misplaced);
  }

  @Test
  void everyKeyTheCodeReadsIsRegistered() {
    List<String> unknown = new ArrayList<>();
    for (Read r : reads) {
      if (ConfigKeys.find(r.key()).isEmpty()) {
        unknown.add(r.key() + " read in " + r.where());
      }
    }
    assertEquals(List.of(), unknown, "keys the code reads that ConfigKeys does not list");
  }

  @Test
  void everyRegisteredKeyIsReadByTheCode() {
    Set<String> read = new TreeSet<>();
    reads.forEach(r -> read.add(r.key()));
    List<String> unread = new ArrayList<>();
    for (Key k : ConfigKeys.ALL) {
      if (!read.contains(k.name())) {
        unread.add(k.name());
      }
    }
    assertEquals(List.of(), unread, "keys of ConfigKeys that no code under " + SOURCES + " reads");
  }

  @Test
  void literalDefaultsInTheCodeMatchTheRegistry() {
    long withDefault = reads.stream().filter(r -> r.literalDefault().isPresent()).count();
    assertTrue(withDefault > 30, "expected literal defaults in the code, found " + withDefault);
    List<String> wrong = new ArrayList<>();
    for (Read r : reads) {
      Optional<String> registered = ConfigKeys.find(r.key()).flatMap(Key::literalDefault);
      if (registered.isPresent()
          && r.literalDefault().isPresent()
          && !sameValue(registered.get(), r.literalDefault().get())) {
        wrong.add(
            r.key()
                + " in "
                + r.where()
                + ": code default "
                + r.literalDefault().get()
                + ", registered "
                + registered.get());
      }
    }
    assertEquals(List.of(), wrong);
  }

  @Test
  void packagedDefaultsMatchTheRegistry() throws IOException {
    List<String> wrong = new ArrayList<>();
    for (String file : List.of("common.yaml", "controller.yaml", "agent.yaml", "all.yaml")) {
      Map<String, String> entries = yamlEntries(CONF.resolve(file));
      assertTrue(!entries.isEmpty(), "no entries read from conf/" + file);
      entries.forEach(
          (key, value) -> {
            Optional<Key> k = ConfigKeys.find(key);
            if (k.isEmpty()) {
              wrong.add("conf/" + file + ": " + key + " is not in ConfigKeys");
            } else if (!file.equals("all.yaml")) {
              // all.yaml deliberately overrides defaults for the one-machine role
              String registered = k.get().literalDefault().orElse(null);
              if (registered == null || !sameValue(registered, value)) {
                wrong.add("conf/" + file + ": " + key + "=" + value + ", registered " + registered);
              }
            }
          });
    }
    assertEquals(List.of(), wrong);
  }

  @Test
  void perBackendKeysTakeTheUpperCasedSlug() {
    Key maxWorkers = ConfigKeys.find("<B>_MAX_WORKERS").orElseThrow();
    assertEquals("TPP_MAX_WORKERS", ConfigKeys.forBackend(maxWorkers, "tpp"));
    assertEquals("MY_SITE_MAX_WORKERS", ConfigKeys.forBackend(maxWorkers, "my-site"));
  }

  // ---------------------------------------------------------------------------------------------

  /** The rows of every table whose first header cell is {@code Variable}. */
  private static List<Row> documentedRows(List<String> lines) {
    List<Row> out = new ArrayList<>();
    int section = 0;
    int defaultColumn = -1;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      Matcher heading = SECTION.matcher(line);
      if (heading.find()) {
        section = Integer.parseInt(heading.group(1));
      }
      if (!line.startsWith("|")) {
        defaultColumn = -1;
        continue;
      }
      List<String> cells = cells(line);
      boolean header = i + 1 < lines.size() && lines.get(i + 1).startsWith("|---");
      if (header) {
        defaultColumn = cells.get(0).equals("Variable") ? cells.indexOf("Default") : -1;
        assertTrue(
            !cells.get(0).equals("Variable") || defaultColumn > 0,
            "line " + (i + 1) + ": a Variable table needs a Default column");
        continue;
      }
      if (defaultColumn < 0 || line.startsWith("|---")) {
        continue;
      }
      Matcher name = BACKTICKED.matcher(cells.get(0));
      assertTrue(
          name.matches() && DOC_NAME.matcher(name.group(1)).matches(),
          "line " + (i + 1) + ": the first cell must be one backticked variable name");
      out.add(new Row(name.group(1), cells.get(defaultColumn), section, i + 1));
    }
    assertTrue(out.size() > 50, "expected the configuration tables in " + DOC);
    return out;
  }

  private static List<String> cells(String line) {
    String inner = line.strip();
    inner = inner.substring(1, inner.endsWith("|") ? inner.length() - 1 : inner.length());
    List<String> out = new ArrayList<>();
    for (String c : inner.split("\\|", -1)) {
      out.add(c.strip());
    }
    return out;
  }

  private static List<Read> readsInCode() throws IOException {
    List<Read> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
        String text = Files.readString(f);
        String where = SOURCES.relativize(f).toString();
        Matcher m = SETTINGS_READ.matcher(text);
        while (m.find()) {
          Optional<String> def = defaultAfter(text, m.end());
          if (m.group(1) != null) {
            out.add(new Read(registeredName(m.group(1)), where, def));
          } else if (m.group(2) != null) {
            out.add(new Read(ConfigKeys.BACKEND_PREFIX + m.group(2), where, def));
          } else {
            for (String db : CommonConfig.VALID_DATABASE_NAMES) {
              out.add(new Read(db.toUpperCase(Locale.ROOT) + m.group(3), where, def));
            }
          }
        }
        Matcher e = ENV_READ.matcher(text);
        while (e.find()) {
          boolean withDefault =
              "getOrDefault".equals(e.group(1)) || "getOrDefault".equals(e.group(3));
          Optional<String> def = withDefault ? defaultAfter(text, e.end()) : Optional.empty();
          if (!OPERATING_SYSTEM.contains(e.group(4))) {
            out.add(new Read(registeredName(e.group(4)), where, def));
          }
        }
      }
    }
    assertTrue(out.size() > 50, "expected to find the configuration reads under " + SOURCES);
    return out;
  }

  /**
   * A backend's own form of a per-backend key (e.g. {@code TEST_CLIENT_TOKENS}, read by {@code rap
   * demo}) counts as a read of the {@code <B>_} key; other names are kept as they are.
   */
  private static String registeredName(String name) {
    if (ConfigKeys.find(name).isPresent()) {
      return name;
    }
    for (String slug : List.of("test", "tpp", "emis", "ted")) {
      String prefix = slug.toUpperCase(Locale.ROOT) + "_";
      if (name.startsWith(prefix)) {
        String generic = ConfigKeys.BACKEND_PREFIX + name.substring(prefix.length());
        if (ConfigKeys.find(generic).isPresent()) {
          return generic;
        }
      }
    }
    return name;
  }

  private static Optional<String> defaultAfter(String text, int position) {
    for (Pattern p : List.of(DEFAULT_ARGUMENT, OR_ELSE)) {
      Matcher m = p.matcher(text).region(position, text.length());
      if (m.lookingAt()) {
        String literal = m.group(1);
        return Optional.of(
            literal.startsWith("\"") ? literal.substring(1, literal.length() - 1) : literal);
      }
    }
    return Optional.empty();
  }

  /**
   * Equal strings, or equal numbers however written ({@code 1.0} and {@code 1}, {@code
   * 16_777_216L}).
   */
  private static boolean sameValue(String registered, String found) {
    if (registered.equals(found)) {
      return true;
    }
    Optional<BigDecimal> a = number(registered);
    Optional<BigDecimal> b = number(found);
    return a.isPresent() && b.isPresent() && a.get().compareTo(b.get()) == 0;
  }

  private static Optional<BigDecimal> number(String s) {
    String plain = s.replace("_", "").replaceAll("[lLdD]$", "");
    try {
      return Optional.of(new BigDecimal(plain));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The flat {@code KEY: "value"} entries of a packaged defaults file (comments skipped). */
  private static Map<String, String> yamlEntries(Path file) {
    Map<String, String> out = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.isBlank() || line.stripLeading().startsWith("#")) {
          continue;
        }
        Matcher m = YAML_ENTRY.matcher(line);
        assertTrue(m.matches(), file + ": not a flat KEY: value entry: " + line);
        out.put(m.group(1), m.group(2) != null ? m.group(2) : m.group(3) == null ? "" : m.group(3));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}

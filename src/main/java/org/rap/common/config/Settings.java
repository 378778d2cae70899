package org.rap.common.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Flat layered settings keyed by the reference's environment variable names, with typed readers
 * that collect every problem instead of failing on the first. Empty values count as unset. Each
 * value may carry its origin (a file and line, "environment"), which problems about it name.
 */
public final class Settings {
  private static final Pattern SIZE = Pattern.compile("(?i)(\\d{1,15})\\s*([kmgt]?)(?:i?b)?");
  private final Map<String, String> values;
  private final Map<String, String> origins;
  private final List<String> problems = new ArrayList<>();
  private final Set<String> consulted = new LinkedHashSet<>();

  public Settings(Map<String, String> values) {
    this(values, Map.of(), List.of());
  }

  /**
   * @param origins where each value came from, for messages ({@code settings.env line 3})
   * @param problems problems already found while reading the sources
   */
  public Settings(Map<String, String> values, Map<String, String> origins, List<String> problems) {
    this.values = Map.copyOf(values);
    this.origins = Map.copyOf(origins);
    this.problems.addAll(problems);
  }

  public static Settings of(Map<String, ?> raw) {
    Map<String, String> flat = new LinkedHashMap<>();
    raw.forEach(
        (k, v) -> {
          if (v != null) {
            flat.put(k, String.valueOf(v));
          }
        });
    return new Settings(flat);
  }

  /** Every key that has a value (e.g. to find the secrets that logs must never show). */
  public Set<String> keys() {
    return values.keySet();
  }

  /**
   * A copy in which every key of {@code defaults} that has no value here gets that value (problems
   * found so far are carried over).
   */
  public Settings withDefaults(Map<String, String> defaults, String origin) {
    Map<String, String> merged = new LinkedHashMap<>(values);
    Map<String, String> from = new LinkedHashMap<>(origins);
    defaults.forEach(
        (k, v) -> {
          if (get(k).isEmpty()) {
            merged.put(k, v);
            from.put(k, origin);
          }
        });
    Settings copy = new Settings(merged, from, problems);
    copy.consulted.addAll(consulted);
    return copy;
  }

  /** A copy in which {@code key} has {@code value} whatever it had (problems carried over). */
  public Settings withOverride(String key, String value, String origin) {
    Map<String, String> merged = new LinkedHashMap<>(values);
    Map<String, String> from = new LinkedHashMap<>(origins);
    merged.put(key, value);
    from.put(key, origin);
    Settings copy = new Settings(merged, from, problems);
    copy.consulted.addAll(consulted);
    return copy;
  }

  /** Where the value of {@code key} came from, when known. */
  public Optional<String> origin(String key) {
    return Optional.ofNullable(origins.get(key));
  }

  /** Every key a reader asked for so far (the registry test checks them against ConfigKeys). */
  public Set<String> consulted() {
    return Set.copyOf(consulted);
  }

  public Optional<String> get(String key) {
    consulted.add(key);
    String v = values.get(key);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
  }

  /** The raw value, keeping surrounding white space (tokens, secrets). */
  public Optional<String> raw(String key) {
    consulted.add(key);
    String v = values.get(key);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  public String string(String key, String def) {
    return get(key).orElse(def);
  }

  public String required(String key, String what) {
    Optional<String> v = get(key);
    if (v.isEmpty()) {
      problems.add(key + " is required: " + what + from(key));
      return "";
    }
    return v.get();
  }

  public int integer(String key, int def, int min) {
    Optional<String> v = get(key);
    if (v.isEmpty()) {
      return def;
    }
    try {
      int parsed = Integer.parseInt(v.get());
      if (parsed < min) {
        invalid(key, "must be a whole number >= " + min, v.get());
        return def;
      }
      return parsed;
    } catch (NumberFormatException e) {
      invalid(key, "must be a whole number >= " + min, v.get());
      return def;
    }
  }

  public long longValue(String key, long def, long min) {
    Optional<String> v = get(key);
    if (v.isEmpty()) {
      return def;
    }
    try {
      long parsed = Long.parseLong(v.get());
      if (parsed >= min) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    invalid(key, "must be a whole number >= " + min, v.get());
    return def;
  }

  public double decimal(String key, double def, double minExclusive) {
    Optional<String> v = get(key);
    if (v.isEmpty()) {
      return def;
    }
    try {
      double parsed = Double.parseDouble(v.get());
      if (parsed > minExclusive && Double.isFinite(parsed)) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    invalid(key, "must be a number > " + minExclusive, v.get());
    return def;
  }

  /** Reference semantics: only the given words (any case) enable. */
  public boolean flag(String key, boolean def, String... trueWords) {
    Optional<String> v = get(key);
    if (v.isEmpty()) {
      return def;
    }
    String lower = v.get().toLowerCase(Locale.ROOT);
    return Arrays.stream(trueWords).anyMatch(lower::equals);
  }

  public List<String> list(String key, String def) {
    String v = get(key).orElse(def);
    List<String> out = new ArrayList<>();
    for (String part : v.split(",")) {
      if (!part.isBlank()) {
        out.add(part.strip());
      }
    }
    return List.copyOf(out);
  }

  public Path absolutePath(String key, Path def) {
    Optional<String> v = get(key);
    if (v.isEmpty()) {
      return def;
    }
    Path p = Path.of(v.get());
    if (!p.isAbsolute()) {
      invalid(key, "must be an absolute path", v.get());
      return def;
    }
    return p.normalize();
  }

  /** Memory sizes as Docker takes them: digits with an optional b/k/m/g suffix. */
  public String memory(String key, String def) {
    Optional<String> v = get(key);
    if (v.isEmpty()) {
      return def;
    }
    if (!v.get().matches("(?i)\\d+(\\.\\d+)?[bkmg]?")) {
      invalid(key, "must be a memory size such as 4G or 512M", v.get());
      return def;
    }
    return v.get();
  }

  /**
   * A size in bytes: digits with an optional binary unit {@code K}, {@code M}, {@code G} or {@code
   * T} (any case, {@code KiB}/{@code KB} alike), e.g. {@code 16M}.
   */
  public long bytes(String key, long def, long min) {
    Optional<String> v = get(key);
    if (v.isEmpty()) {
      return def;
    }
    Matcher m = SIZE.matcher(v.get());
    if (m.matches()) {
      int power =
          m.group(2).isEmpty() ? 0 : "kmgt".indexOf(m.group(2).toLowerCase(Locale.ROOT)) + 1;
      long n = Long.parseLong(m.group(1));
      if (n <= (Long.MAX_VALUE >> (10 * power))) {
        long parsed = n << (10 * power);
        if (parsed >= min) {
          return parsed;
        }
      }
    }
    invalid(key, "must be a size in bytes >= " + min + " such as 16M or 2G", v.get());
    return def;
  }

  /** A TCP port to listen on: 0 (any free port) to 65535. */
  public int port(String key, int def) {
    Optional<String> v = get(key);
    if (v.isEmpty()) {
      return def;
    }
    try {
      int parsed = Integer.parseInt(v.get());
      if (parsed >= 0 && parsed <= 65535) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    invalid(key, "must be a port number from 0 to 65535", v.get());
    return def;
  }

  /** {@code KEY must ..., got 'value' (from settings.env line 3)}. */
  public void invalid(String key, String must, String value) {
    problems.add(key + " " + must + ", got '" + value + "'" + from(key));
  }

  /** A problem about {@code key}, with the origin of its value appended when known. */
  public void problem(String key, String message) {
    problems.add(message + from(key));
  }

  private String from(String key) {
    String origin = origins.get(key);
    return origin == null ? "" : " (from " + origin + ")";
  }

  public void problem(String message) {
    problems.add(message);
  }

  public boolean hasProblems() {
    return !problems.isEmpty();
  }

  /** Throws one {@link ConfigException} naming every problem found so far. */
  public void throwIfInvalid() {
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
  }
}

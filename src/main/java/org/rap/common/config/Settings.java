package org.rap.common.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Flat layered settings keyed by the reference's environment variable names, with typed readers
 * that collect every problem instead of failing on the first. Empty values count as unset.
 */
public final class Settings {
  private static final Pattern SIZE = Pattern.compile("(?i)(\\d{1,15})\\s*([kmgt]?)(?:i?b)?");
  private final Map<String, String> values;
  private final List<String> problems = new ArrayList<>();

  public Settings(Map<String, String> values) {
    this.values = Map.copyOf(values);
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

  public Optional<String> get(String key) {
    String v = values.get(key);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
  }

  /** The raw value, keeping surrounding white space (tokens, secrets). */
  public Optional<String> raw(String key) {
    String v = values.get(key);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  public String string(String key, String def) {
    return get(key).orElse(def);
  }

  public String required(String key, String what) {
    Optional<String> v = get(key);
    if (v.isEmpty()) {
      problems.add(key + " is required: " + what);
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
        problems.add(key + " must be a whole number >= " + min + ", got '" + v.get() + "'");
        return def;
      }
      return parsed;
    } catch (NumberFormatException e) {
      problems.add(key + " must be a whole number >= " + min + ", got '" + v.get() + "'");
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
    problems.add(key + " must be a whole number >= " + min + ", got '" + v.get() + "'");
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
    problems.add(key + " must be a number > " + minExclusive + ", got '" + v.get() + "'");
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
      problems.add(key + " must be an absolute path, got '" + v.get() + "'");
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
      problems.add(key + " must be a memory size such as 4G or 512M, got '" + v.get() + "'");
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
    problems.add(
        key + " must be a size in bytes >= " + min + " such as 16M or 2G, got '" + v.get() + "'");
    return def;
  }

  public void problem(String message) {
    problems.add(message);
  }

  /** Throws one {@link ConfigException} naming every problem found so far. */
  public void throwIfInvalid() {
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
  }
}

package org.rap.controller.scheduler;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.rap.common.model.Flag;

/** Flag ids and how the scheduler reads their values (docs/spec/job-model.md section 9). */
public final class Flags {
  public static final String PAUSED = "paused";
  public static final String MODE = "mode";
  public static final String MANUAL_DB_MAINTENANCE = "manual-db-maintenance";
  public static final String CHECKS_DISABLED = "db-maintenance-checks-disabled";
  public static final String LAST_SEEN_AT = "last-seen-at";
  public static final String DB_MAINTENANCE = "db-maintenance";

  private final Map<String, Map<String, String>> values;

  private Flags(Map<String, Map<String, String>> values) {
    this.values = values;
  }

  public static Flags of(List<Flag> flags) {
    Map<String, Map<String, String>> v = new HashMap<>();
    for (Flag f : flags) {
      v.computeIfAbsent(f.backend(), b -> new HashMap<>()).put(f.id(), f.value());
    }
    return new Flags(v);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Flags f && f.values.equals(values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  /** The backends that have flags. */
  public Set<String> backends() {
    return values.keySet();
  }

  public String value(String backend, String id) {
    Map<String, String> m = values.get(backend);
    return m == null ? null : m.get(id);
  }

  /** Set means a non-null, non-empty value. */
  public boolean isSet(String backend, String id) {
    String v = value(backend, id);
    return v != null && !v.isEmpty();
  }

  public boolean paused(String backend) {
    String v = value(backend, PAUSED);
    return v != null && v.toLowerCase(Locale.ROOT).equals("true");
  }

  public boolean inDbMaintenance(String backend) {
    return DB_MAINTENANCE.equals(value(backend, MODE));
  }
}

package org.rap.common.model;

/**
 * A backend flag. {@code value} null means cleared; {@code timestampMicros} null means never set.
 */
public record Flag(String id, String value, String backend, Long timestampMicros) {

  /** Operator print form: {@code [<backend>] <id>=<value> (<ISO timestamp>)}. */
  public String printable() {
    String ts = timestampMicros == null ? "never set" : Timestamps.isoMicros(timestampMicros);
    return "[" + backend + "] " + id + "=" + (value == null ? "None" : value) + " (" + ts + ")";
  }
}

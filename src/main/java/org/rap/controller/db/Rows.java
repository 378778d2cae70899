package org.rap.controller.db;

import io.vertx.sqlclient.Row;

/** Column readers that behave the same on SQLite (JDBC) and PostgreSQL. */
final class Rows {
  private Rows() {}

  /** Booleans are stored as 0/1 integers on both databases. */
  static boolean bool(Row row, String column) {
    Integer v = row.getInteger(column);
    return v != null && v != 0;
  }

  static Boolean nullableBool(Row row, String column) {
    Integer v = row.getInteger(column);
    return v == null ? null : v != 0;
  }

  static int flag(boolean value) {
    return value ? 1 : 0;
  }
}

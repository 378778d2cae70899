package org.rap.controller.db;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.rap.common.config.CommonConfig;

/**
 * Where the controller database lives: the embedded SQLite file (DATABASE_URL unset, or {@code
 * sqlite:/path}) or a PostgreSQL server ({@code postgresql://user:pw@host:port/db}).
 */
public record DatabaseTarget(
    Dialect dialect,
    Path sqliteFile,
    String pgUri,
    String host,
    int port,
    String database,
    String user,
    String password) {

  public enum Dialect {
    SQLITE,
    POSTGRESQL
  }

  public static DatabaseTarget of(CommonConfig config) {
    Optional<String> url = config.databaseUrl();
    if (url.isEmpty()) {
      return sqlite(config.sqlitePath());
    }
    String u = url.get();
    if (u.startsWith("sqlite:")) {
      return sqlite(Path.of(u.substring("sqlite:".length())).toAbsolutePath());
    }
    return postgres(u);
  }

  public static DatabaseTarget sqlite(Path file) {
    return new DatabaseTarget(Dialect.SQLITE, file, null, null, 0, null, null, null);
  }

  public static DatabaseTarget postgres(String url) {
    URI uri = URI.create(url.replaceFirst("^postgres(ql)?://", "postgresql://"));
    String user = null;
    String password = null;
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = decode(parts[0]);
      password = parts.length > 1 ? decode(parts[1]) : null;
    }
    String db =
        uri.getPath() == null || uri.getPath().length() <= 1
            ? "postgres"
            : uri.getPath().substring(1);
    return new DatabaseTarget(
        Dialect.POSTGRESQL,
        null,
        uri.toString(),
        uri.getHost() == null ? "localhost" : uri.getHost(),
        uri.getPort() < 0 ? 5432 : uri.getPort(),
        db,
        user,
        password);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /** JDBC URL for Flyway and for the SQLite pool (with the PRAGMAs every connection needs). */
  public String jdbcUrl() {
    if (dialect == Dialect.SQLITE) {
      return "jdbc:sqlite:"
          + sqliteFile
          + "?journal_mode=WAL&busy_timeout=5000&foreign_keys=on&synchronous=NORMAL"
          + "&transaction_mode=IMMEDIATE&cache_size=-65536";
    }
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  /** A description safe for logs and error messages (no password). */
  public String describe() {
    return dialect == Dialect.SQLITE
        ? "SQLite database " + sqliteFile
        : "PostgreSQL database " + database + " on " + host + ":" + port;
  }
}

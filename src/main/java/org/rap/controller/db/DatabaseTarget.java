package org.rap.controller.db;

import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.rap.common.config.CommonConfig;

/**
 * Where the controller database lives: the embedded SQLite file (DATABASE_URL unset, or {@code
 * sqlite:/path}) or a PostgreSQL server given as a libpq connection URI ({@code
 * postgresql://user:pw@host:port/db?sslmode=verify-full&sslrootcert=/ca.pem}).
 *
 * <p>The URI is read by vertx-pg-client ({@link PgConnectOptions#fromUri}); every query parameter
 * is also handed on, unchanged, to the JDBC driver (Flyway, restore) and to libpq ({@code pg_dump},
 * {@code pg_restore}), so that all three connect the same way. vertx-pg-client does not read the CA
 * certificate file libpq names ({@code sslrootcert}), and its {@code require} mode would check the
 * server certificate against the JDK's trust store: {@link #pgOptions} gives both libpq's meaning
 * (docs/spec/configuration.md section 2).
 */
public record DatabaseTarget(
    Dialect dialect, Path sqliteFile, String pgUri, Map<String, String> parameters) {

  public enum Dialect {
    SQLITE,
    POSTGRESQL
  }

  /** Parameters that {@code -h -p -U -d}, the user name and the password already carry. */
  private static final Set<String> CONNECTION_PARTS =
      Set.of("user", "password", "host", "hostaddr", "port", "dbname");

  public DatabaseTarget {
    parameters = parameters == null ? Map.of() : Collections.unmodifiableMap(parameters);
  }

  public static DatabaseTarget of(CommonConfig config) {
    Optional<String> url = config.databaseUrl();
    if (url.isEmpty()) {
      return sqlite(config.sqlitePath());
    }
    String u = url.get();
    if (u.startsWith("sqlite:")) {
      String rest = u.substring("sqlite:".length());
      int q = rest.indexOf('?');
      Path file = Path.of(q < 0 ? rest : rest.substring(0, q)).toAbsolutePath();
      Map<String, String> params = q < 0 ? Map.of() : query(rest.substring(q + 1));
      for (String fixed : SQLITE_FIXED) {
        if (params.containsKey(fixed)) {
          throw new IllegalArgumentException(
              "DATABASE_URL may not set " + fixed + " for SQLite: RAP relies on its own value");
        }
      }
      return new DatabaseTarget(Dialect.SQLITE, file, null, params);
    }
    return postgres(u);
  }

  public static DatabaseTarget sqlite(Path file) {
    return new DatabaseTarget(Dialect.SQLITE, file, null, Map.of());
  }

  /** sqlite-jdbc settings every connection needs; other URL parameters are handed on. */
  private static final Map<String, String> SQLITE_DEFAULTS = sqliteDefaults();

  /** Settings the transactions and the schema depend on, which a URL may not change. */
  private static final Set<String> SQLITE_FIXED =
      Set.of("journal_mode", "foreign_keys", "transaction_mode");

  private static Map<String, String> sqliteDefaults() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("journal_mode", "WAL");
    m.put("busy_timeout", "5000");
    m.put("foreign_keys", "on");
    m.put("synchronous", "NORMAL");
    m.put("transaction_mode", "IMMEDIATE");
    m.put("cache_size", "-65536");
    return Collections.unmodifiableMap(m);
  }

  /**
   * A PostgreSQL target from its URI.
   *
   * @throws IllegalArgumentException naming what is wrong with the URI (never its password)
   */
  public static DatabaseTarget postgres(String url) {
    if (!url.startsWith("postgresql://") && !url.startsWith("postgres://")) {
      throw new IllegalArgumentException(
          "DATABASE_URL must start with postgresql:// (or postgres://, or sqlite: for SQLite)");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "DATABASE_URL is not a valid URI ("
              + e.getReason()
              + "); percent-encode special characters of the user name and password");
    }
    Map<String, String> params = uri.getRawQuery() == null ? Map.of() : query(uri.getRawQuery());
    if (params.containsKey("sslcert") || params.containsKey("sslkey")) {
      // the JDBC driver (migrations) reads keys only as PKCS-8 DER or PKCS-12, libpq and
      // vertx-pg-client only as PEM: one file cannot serve all three
      throw new IllegalArgumentException(
          "DATABASE_URL: client certificates (sslcert, sslkey) are not supported; authenticate"
              + " with the password over TLS (sslmode=verify-full&sslrootcert=...)");
    }
    DatabaseTarget t = new DatabaseTarget(Dialect.POSTGRESQL, null, url, params);
    t.pgOptions(); // every other error of the URI (port, sslmode, certificate files), now
    return t;
  }

  /** {@code a=1&b=2}, decoded, in order. */
  private static Map<String, String> query(String raw) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "DATABASE_URL parameter '" + pair + "' has no value (expected name=value)");
      }
      params.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
    }
    return params;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /**
   * The connection options of the vertx-pg-client pools and connections, a new instance each call;
   * with libpq's defaults where the URI leaves something out (the user name of the process, the
   * database named like the user, TLS when the server offers it).
   */
  public PgConnectOptions pgOptions() {
    PgConnectOptions o;
    try {
      o = PgConnectOptions.fromUri(pgUri);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "DATABASE_URL cannot be read: "
              + e.getMessage().replace(pgUri, "<DATABASE_URL>")
              + (e.getCause() == null ? "" : " (" + e.getCause().getMessage() + ")"),
          e);
    }
    URI uri = URI.create(pgUri);
    if (uri.getRawUserInfo() == null && !parameters.containsKey("user")) {
      o.setUser(System.getProperty("user.name"));
      o.setPassword(""); // none (vertx-pg-client refuses null)
    } else if (uri.getRawUserInfo() != null
        && !uri.getRawUserInfo().contains(":")
        && !parameters.containsKey("password")) {
      o.setPassword(""); // none (vertx-pg-client refuses null)
    }
    if ((uri.getRawPath() == null || uri.getRawPath().length() <= 1)
        && !parameters.containsKey("dbname")) {
      o.setDatabase(o.getUser());
    }
    applyTls(o);
    return o;
  }

  /** libpq's sslmode semantics on vertx-pg-client's TLS options. */
  private void applyTls(PgConnectOptions o) {
    SslMode mode = parameters.containsKey("sslmode") ? o.getSslMode() : SslMode.PREFER;
    o.setSslMode(mode);
    ClientSSLOptions ssl = new ClientSSLOptions();
    Optional<Path> rootCert = rootCert(mode);
    switch (mode) {
      case DISABLE -> {}
      case ALLOW, PREFER -> ssl.setTrustAll(true);
      case REQUIRE -> {
        // libpq: encrypted but unverified, unless a root certificate is given (then as verify-ca)
        if (rootCert.isPresent()) {
          ssl.setTrustOptions(new PemTrustOptions().addCertPath(rootCert.get().toString()));
          ssl.setHostnameVerificationAlgorithm("");
        } else {
          ssl.setTrustAll(true);
        }
      }
      case VERIFY_CA, VERIFY_FULL -> {
        Path ca =
            rootCert.orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "DATABASE_URL has sslmode="
                            + mode.value
                            + " but no CA certificate to verify the server with: add"
                            + " sslrootcert=/path/to/ca.pem"));
        ssl.setTrustOptions(new PemTrustOptions().addCertPath(ca.toString()));
        ssl.setHostnameVerificationAlgorithm(mode == SslMode.VERIFY_FULL ? "HTTPS" : "");
      }
    }
    o.setSslOptions(ssl);
  }

  /**
   * {@code sslrootcert}, else libpq's default {@code ~/.postgresql/root.crt} when it exists; a
   * named file that cannot be read is an error.
   */
  private Optional<Path> rootCert(SslMode mode) {
    String named = parameters.get("sslrootcert");
    if (named != null) {
      return Optional.of(Path.of(readable(named)));
    }
    Path home = Path.of(System.getProperty("user.home"), ".postgresql", "root.crt");
    return mode != SslMode.DISABLE && Files.isReadable(home) ? Optional.of(home) : Optional.empty();
  }

  private static String readable(String file) {
    if (!Files.isReadable(Path.of(file))) {
      throw new IllegalArgumentException(
          "DATABASE_URL names the certificate file " + file + ", which cannot be read");
    }
    return file;
  }

  /** PostgreSQL's host name; null for SQLite (as the other connection parts). */
  public String host() {
    return dialect == Dialect.SQLITE ? null : pgOptions().getHost();
  }

  public int port() {
    return dialect == Dialect.SQLITE ? 0 : pgOptions().getPort();
  }

  public String database() {
    return dialect == Dialect.SQLITE ? null : pgOptions().getDatabase();
  }

  public String user() {
    return dialect == Dialect.SQLITE ? null : pgOptions().getUser();
  }

  /** The password, or null when the URL gives none. */
  public String password() {
    if (dialect == Dialect.SQLITE) {
      return null;
    }
    String p = pgOptions().getPassword();
    return p == null || p.isEmpty() ? null : p;
  }

  /**
   * JDBC URL for Flyway and the restore check, and for the SQLite pool: the PRAGMAs every
   * connection needs, then the URL's own parameters (e.g. {@code
   * sqlite:/data/db.sqlite?busy_timeout=10000}). PostgreSQL: the URI's own parameters (pgjdbc reads
   * libpq's {@code sslmode}, {@code sslrootcert}, {@code sslcert}, {@code sslkey}, ...) without
   * user and password, which go to the driver separately.
   */
  public String jdbcUrl() {
    if (dialect == Dialect.SQLITE) {
      Map<String, String> all = new LinkedHashMap<>(SQLITE_DEFAULTS);
      all.putAll(parameters);
      return "jdbc:sqlite:" + sqliteFile + queryString(all);
    }
    PgConnectOptions o = pgOptions();
    String host = o.getHost().contains(":") ? "[" + o.getHost() + "]" : o.getHost();
    StringBuilder url =
        new StringBuilder("jdbc:postgresql://")
            .append(host)
            .append(':')
            .append(o.getPort())
            .append('/')
            .append(URLEncoder.encode(o.getDatabase(), StandardCharsets.UTF_8));
    return url.append(queryString(libpqParameters())).toString();
  }

  private static String queryString(Map<String, String> params) {
    StringBuilder q = new StringBuilder();
    for (Map.Entry<String, String> p : params.entrySet()) {
      q.append(q.length() == 0 ? '?' : '&')
          .append(p.getKey())
          .append('=')
          .append(URLEncoder.encode(p.getValue(), StandardCharsets.UTF_8));
    }
    return q.toString();
  }

  /**
   * The URI's parameters for libpq and pgjdbc: everything but what {@code -h -p -U -d} and the
   * password already say, with libpq's default {@code sslmode=prefer} made explicit.
   */
  public Map<String, String> libpqParameters() {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> p : parameters.entrySet()) {
      String k = p.getKey();
      if (CONNECTION_PARTS.contains(k)) {
        continue;
      }
      out.put(k, p.getValue());
    }
    if (!out.containsKey("sslmode")) {
      out.put("sslmode", "prefer");
    }
    return out;
  }

  /**
   * The connection as a libpq keyword/value string for {@code pg_dump -d}: database name and the
   * URI's parameters (host, port and user go as {@code -h -p -U}, the password in the environment,
   * never on a command line).
   */
  public String libpqConnInfo() {
    List<String> parts = new ArrayList<>();
    parts.add("dbname=" + quote(database()));
    libpqParameters().forEach((k, v) -> parts.add(k + "=" + quote(v)));
    return String.join(" ", parts);
  }

  private static String quote(String v) {
    return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  /** A description safe for logs and error messages (no password). */
  public String describe() {
    if (dialect == Dialect.SQLITE) {
      return "SQLite database " + sqliteFile;
    }
    PgConnectOptions o = pgOptions();
    return "PostgreSQL database "
        + o.getDatabase()
        + " on "
        + o.getHost()
        + ":"
        + o.getPort()
        + " (sslmode="
        + o.getSslMode().value
        + ")";
  }
}

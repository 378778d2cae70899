package org.rap.common.telemetry;

import java.net.URI;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.rap.common.config.KnownKeys;
import org.rap.common.config.Settings;

/**
 * Process logging (java.util.logging; SLF4J users such as docker-java reach it through
 * slf4j-jdk14): one line per event on standard error in {@link LogFormat}, text by default or JSON
 * with {@code LOG_FORMAT=json}, level from {@code LOGLEVEL} (DEBUG, INFO, WARNING, ERROR). Once the
 * configuration is loaded, {@link #redactSecretsOf} masks every configured token.
 */
public final class Logging {
  /** Settings whose values are secrets: tokens, passwords, OTLP headers (API keys). */
  private static final Pattern SECRET_KEY =
      Pattern.compile(".*(TOKEN|TOKENS|PASSWORD|SECRET|_KEY|OTEL_EXPORTER_OTLP_HEADERS)$");

  // java.util.logging keeps loggers weakly: hold the ones we configure, or the levels are lost.
  private static final Logger RAP = Logger.getLogger("org.rap");
  private static final Logger FLYWAY = Logger.getLogger("org.flywaydb");
  private static final Logger NETTY = Logger.getLogger("io.netty");
  private static final Logger OTEL = Logger.getLogger("io.opentelemetry");
  // the console span exporter (OTEL_EXPORTER_CONSOLE, OTEL_TRACES_EXPORTER=console) logs at INFO
  private static final Logger OTEL_CONSOLE = Logger.getLogger("io.opentelemetry.exporter.logging");
  private static final Logger MICROMETER = Logger.getLogger("io.micrometer");

  private Logging() {}

  /** From the process environment (call first thing in main). */
  public static void configure() {
    configure(System.getenv());
  }

  public static void configure(Map<String, String> env) {
    if (System.getProperty("java.util.logging.config.file") != null) {
      return;
    }
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    Level level = parse(env.get("LOGLEVEL"));
    ConsoleHandler handler = new ConsoleHandler();
    handler.setLevel(level);
    handler.setFormatter(
        new LogFormat("json".equalsIgnoreCase(String.valueOf(env.get("LOG_FORMAT")).strip())));
    root.addHandler(handler);
    // DEBUG is for RAP's own loggers: libraries (JDBC parameters, TLS, Netty) stay at INFO
    root.setLevel(level.intValue() < Level.INFO.intValue() ? Level.INFO : level);
    RAP.setLevel(level);
    // Flyway and Netty are chatty at INFO; the tracing libraries log at TRACE_LOG_LEVEL (default
    // ERROR)
    FLYWAY.setLevel(Level.WARNING);
    NETTY.setLevel(Level.WARNING);
    // Micrometer warns once that Vert.x registers a client gauge per HTTP client: harmless
    MICROMETER.setLevel(Level.SEVERE);
    OTEL.setLevel(parse(env.getOrDefault("TRACE_LOG_LEVEL", "ERROR")));
    OTEL_CONSOLE.setLevel(Level.INFO);
  }

  /**
   * Re-applies {@code LOGLEVEL}, {@code LOG_FORMAT} and {@code TRACE_LOG_LEVEL} from the loaded
   * configuration (files as well as environment) and masks its secrets.
   */
  public static void configure(Settings settings) {
    Map<String, String> m = new HashMap<>();
    for (String key : new String[] {"LOGLEVEL", "LOG_FORMAT", "TRACE_LOG_LEVEL"}) {
      settings.get(key).ifPresent(v -> m.put(key, v));
    }
    configure(m);
    redactSecretsOf(settings);
  }

  /**
   * Masks the value of every secret setting (and the password in DATABASE_URL) in all log lines.
   */
  public static void redactSecretsOf(Settings settings) {
    for (Handler h : Logger.getLogger("").getHandlers()) {
      if (h.getFormatter() instanceof LogFormat f) {
        addSecrets(f, settings);
      }
    }
  }

  /** Adds the secrets of {@code settings} to {@code format}. */
  public static void addSecrets(LogFormat format, Settings settings) {
    for (String key : settings.keys()) {
      if (SECRET_KEY.matcher(key).matches() || KnownKeys.isSecret(key)) {
        settings
            .raw(key)
            .ifPresent(
                v -> {
                  format.addSecret(v);
                  for (String part : v.split("[,=]")) {
                    format.addSecret(part);
                  }
                });
      }
    }
    settings.get("DATABASE_URL").ifPresent(url -> format.addSecret(password(url)));
  }

  private static String password(String url) {
    try {
      String info = URI.create(url).getRawUserInfo();
      int colon = info == null ? -1 : info.indexOf(':');
      return colon < 0 ? null : info.substring(colon + 1);
    } catch (RuntimeException e) {
      return null;
    }
  }

  static Level parse(String name) {
    if (name == null || name.isBlank()) {
      return Level.INFO;
    }
    return switch (name.strip().toUpperCase(Locale.ROOT)) {
      case "DEBUG" -> Level.FINE;
      case "WARNING", "WARN" -> Level.WARNING;
      case "ERROR", "CRITICAL" -> Level.SEVERE;
      case "TRACE" -> Level.FINEST;
      default -> Level.INFO;
    };
  }
}

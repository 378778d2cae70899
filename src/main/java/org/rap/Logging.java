package org.rap;

import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/** One-line log format on stderr, level from LOGLEVEL. */
final class Logging {
  // java.util.logging keeps loggers weakly: hold the ones we configure, or the levels are lost.
  private static final Logger FLYWAY = Logger.getLogger("org.flywaydb");
  private static final Logger NETTY = Logger.getLogger("io.netty");

  private Logging() {}

  static void configure() {
    if (System.getProperty("java.util.logging.config.file") != null) {
      return;
    }
    System.setProperty(
        "java.util.logging.SimpleFormatter.format",
        "%1$tY-%1$tm-%1$tdT%1$tH:%1$tM:%1$tS.%1$tLZ %4$s %3$s %5$s%6$s%n");
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    java.util.logging.ConsoleHandler handler = new java.util.logging.ConsoleHandler();
    Level level = parse(System.getenv("LOGLEVEL"));
    handler.setLevel(level);
    handler.setFormatter(new java.util.logging.SimpleFormatter());
    root.addHandler(handler);
    root.setLevel(level);
    // Flyway and Netty are chatty at INFO
    FLYWAY.setLevel(Level.WARNING);
    NETTY.setLevel(Level.WARNING);
  }

  private static Level parse(String name) {
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

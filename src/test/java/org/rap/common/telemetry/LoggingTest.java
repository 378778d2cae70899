package org.rap.common.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.rap.common.config.Settings;

/**
 * What the service runner installs: format and level from the settings, secrets masked on stderr.
 */
class LoggingTest {
  private static String capture(Settings settings, Runnable logs) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
      Logging.configure(settings); // the ConsoleHandler binds System.err now
      logs.run();
      for (var h : Logger.getLogger("").getHandlers()) {
        h.flush();
      }
    } finally {
      System.setErr(original);
      LogManager.getLogManager().readConfiguration(); // back to the JVM defaults for other tests
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void serviceLoggingMasksTokensAndHonoursFormatAndLevel() throws Exception {
    Settings settings =
        Settings.of(
            Map.of(
                "LOG_FORMAT", "json",
                "LOGLEVEL", "WARNING",
                "TEST_CLIENT_TOKENS", "abcdef-client-token",
                "CONTROLLER_TASK_API_TOKEN", "agent-token-123456"));
    Logger log = Logger.getLogger("org.rap.some.Component");
    String out =
        capture(
            settings,
            () -> {
              log.info("not shown at WARNING");
              LogTags.of("id", "job1")
                  .log(log, Level.WARNING, "presented abcdef-client-token and agent-token-123456");
            });
    assertFalse(out.contains("not shown"), out);
    assertFalse(out.contains("abcdef-client-token"), out);
    assertFalse(out.contains("agent-token-123456"), out);
    JsonObject line = new JsonObject(out.strip());
    assertEquals("presented ******** and ********", line.getString("message"));
    assertEquals("job1", line.getString("id"));
    assertEquals("WARNING", line.getString("level"));
  }

  @Test
  void debugIsForRapsOwnLoggers() throws Exception {
    String out =
        capture(
            Settings.of(Map.of("LOGLEVEL", "DEBUG")),
            () -> {
              Logger.getLogger("org.rap.x.Y").fine("rap debug line");
              Logger.getLogger("io.vertx.jdbcclient.X").fine("library debug line");
            });
    assertTrue(out.contains("rap debug line"), out);
    assertFalse(out.contains("library debug line"), out);
    assertTrue(
        out.matches(
            "(?s)\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z \\S+ DEBUG Y: rap debug line\\R"),
        out);
  }
}

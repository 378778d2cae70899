package org.rap.common.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.rap.common.config.Settings;

/** The one-line text and JSON formats, the tags, and masking of configured secrets. */
class LogFormatTest {
  private static LogRecord record(String message, Object tags, Throwable thrown) {
    LogRecord r = new LogRecord(Level.INFO, message);
    r.setLoggerName("org.rap.controller.scheduler.StatusBook");
    r.setInstant(Instant.parse("2026-11-22T06:30:01.234567Z"));
    if (tags != null) {
      r.setParameters(new Object[] {tags});
    }
    r.setThrown(thrown);
    return r;
  }

  @Test
  void textLineHasUtcTimeThreadLevelMessageAndTags() {
    String line =
        new LogFormat(false)
            .format(
                record(
                    "Job abc (act): executing: Executing job",
                    LogTags.of(
                        "status", "executing", "workspace", "my ws", "action", "act", "id", "abc"),
                    null));
    String thread = Thread.currentThread().getName();
    assertEquals(
        "2026-11-22 06:30:01.234Z "
            + thread
            + " INFO StatusBook: Job abc (act): executing: Executing job"
            + " status=executing workspace=\"my ws\" action=act id=abc"
            + System.lineSeparator(),
        line);
  }

  @Test
  void jsonLineCarriesTheTagsAsFields() {
    String line =
        new LogFormat(true)
            .format(
                record(
                    "State change",
                    LogTags.of("task", "t-001", "task_type", "runjob"),
                    new IllegalStateException("boom")));
    assertTrue(line.endsWith(System.lineSeparator()));
    assertEquals(1, line.lines().count(), "one line per event, even with a stack trace");
    JsonObject o = new JsonObject(line.strip());
    assertEquals("2026-11-22 06:30:01.234Z", o.getString("time"));
    assertEquals("INFO", o.getString("level"));
    assertEquals("StatusBook", o.getString("logger"));
    assertEquals("State change", o.getString("message"));
    assertEquals("t-001", o.getString("task"));
    assertEquals("runjob", o.getString("task_type"));
    assertTrue(o.getString("exception").contains("IllegalStateException: boom"));
  }

  @Test
  void configuredSecretsAreMaskedWherever() {
    LogFormat text = new LogFormat(false);
    LogFormat json = new LogFormat(true);
    Settings s =
        Settings.of(
            Map.of(
                "TEST_CLIENT_TOKENS", "client-token-one,client-token-two",
                "TEST_JOB_SERVER_TOKEN", "job-server-token-3",
                "CONTROLLER_TASK_API_TOKEN", "task-api-token-4",
                "PRIVATE_REPO_ACCESS_TOKEN", "ghp_repotoken5",
                "OTEL_EXPORTER_OTLP_HEADERS", "x-honeycomb-team=honeycomb-key-6",
                "DATABASE_URL", "postgresql://rap:db-password-7@db:5432/rap",
                "BACKEND", "test"));
    Logging.addSecrets(text, s);
    Logging.addSecrets(json, s);
    String message =
        "leak: client-token-one client-token-two job-server-token-3 task-api-token-4 ghp_repotoken5 "
            + "honeycomb-key-6 db-password-7 backend test";
    for (LogFormat f : new LogFormat[] {text, json}) {
      String line =
          f.format(
              record(
                  message,
                  LogTags.of("id", "task-api-token-4"),
                  new RuntimeException("ghp_repotoken5")));
      for (String secret :
          new String[] {
            "client-token-one",
            "client-token-two",
            "job-server-token-3",
            "task-api-token-4",
            "ghp_repotoken5",
            "honeycomb-key-6",
            "db-password-7"
          }) {
        assertFalse(line.contains(secret), secret + " in " + line);
      }
      assertTrue(line.contains(LogFormat.MASK));
      assertTrue(line.contains("backend test"), "ordinary values stay");
    }
  }

  @Test
  void plainRecordsWithParametersStillFormat() {
    LogRecord r = record("value {0}", null, null);
    r.setParameters(new Object[] {42});
    assertTrue(new LogFormat(false).format(r).contains("value 42"));
  }
}

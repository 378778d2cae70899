package org.rap.common.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
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
    assertEquals("2026-11-22T06:30:01.234Z", o.getString("time"), "RFC 3339, UTC");
    assertEquals("INFO", o.getString("level"));
    assertEquals("StatusBook", o.getString("logger"));
    assertEquals("State change", o.getString("message"));
    assertEquals("t-001", o.getString("task"));
    assertEquals("runjob", o.getString("task_type"));
    assertTrue(o.getString("exception").contains("IllegalStateException: boom"));
  }

  @Test
  void linesCarryTheTraceOfTheirJobOrOfTheCurrentSpan() {
    String tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    String[] ids = LogTags.traceIds(tp);
    JsonObject o =
        new JsonObject(
            new LogFormat(true)
                .format(
                    record(
                        "Job abc: succeeded",
                        LogTags.of("id", "abc", "trace_id", ids[0], "span_id", ids[1]),
                        null))
                .strip());
    assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", o.getString("trace_id"));
    assertEquals("00f067aa0ba902b7", o.getString("span_id"));

    SpanContext current =
        SpanContext.create(
            "0af7651916cd43dd8448eb211c80319c",
            "b7ad6b7169203331",
            TraceFlags.getSampled(),
            TraceState.getDefault());
    try (Scope ignored = Span.wrap(current).makeCurrent()) {
      String text = new LogFormat(false).format(record("Pass", null, null));
      assertTrue(
          text.strip()
              .endsWith("Pass trace_id=0af7651916cd43dd8448eb211c80319c span_id=b7ad6b7169203331"),
          text);
    }
    String none = new LogFormat(false).format(record("No span", null, null));
    assertFalse(none.contains("trace_id"), none);
    assertEquals(2, LogTags.traceIds("garbage").length);
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

package org.rap.common.telemetry;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.rap.common.model.Job;
import org.rap.common.model.JobDefinition;

/**
 * The reference's per-event log tags ({@code status=}, {@code workspace=}, {@code action=}, {@code
 * id=}, {@code task=}, {@code task_type=}), carried as the log record's parameter so that {@link
 * LogFormat} prints them after the message (text) or as fields (JSON).
 */
public final class LogTags {
  private final Map<String, String> tags;

  private LogTags(Map<String, String> tags) {
    this.tags = Collections.unmodifiableMap(tags);
  }

  public static LogTags of(String... keyValues) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      if (keyValues[i + 1] != null) {
        m.put(keyValues[i], keyValues[i + 1]);
      }
    }
    return new LogTags(m);
  }

  /** A job's tags, with the ids of its trace ({@code trace_context}) when it has one. */
  public static LogTags job(Job job) {
    String[] ids =
        traceIds(job.traceContext() == null ? null : job.traceContext().get("traceparent"));
    return of(
        "status",
        job.statusCode() == null ? null : job.statusCode().value(),
        "workspace",
        job.workspace(),
        "action",
        job.action(),
        "id",
        job.id(),
        "trace_id",
        ids[0],
        "span_id",
        ids[1]);
  }

  /**
   * Trace and span id of a W3C {@code traceparent} ({@code 00-<trace>-<span>-<flags>}), or nulls.
   */
  public static String[] traceIds(String traceparent) {
    if (traceparent != null) {
      String[] parts = traceparent.split("-");
      if (parts.length == 4
          && parts[1].matches("[0-9a-f]{32}")
          && parts[2].matches("[0-9a-f]{16}")) {
        return new String[] {parts[1], parts[2]};
      }
    }
    return new String[] {null, null};
  }

  /** An agent's job task ({@code task_type=runjob}). */
  public static LogTags task(JobDefinition job, String status) {
    return of(
        "status", status,
        "workspace", job.workspace(),
        "action", job.action(),
        "id", job.id(),
        "task", job.taskId(),
        "task_type", "runjob");
  }

  public LogTags with(String key, String value) {
    Map<String, String> m = new LinkedHashMap<>(tags);
    if (value != null) {
      m.put(key, value);
    }
    return new LogTags(m);
  }

  public Map<String, String> asMap() {
    return tags;
  }

  /** Logs {@code message} with these tags. */
  public void log(Logger logger, Level level, String message) {
    log(logger, level, message, null);
  }

  public void log(Logger logger, Level level, String message, Throwable thrown) {
    if (!logger.isLoggable(level)) {
      return;
    }
    LogRecord r = new LogRecord(level, message);
    r.setLoggerName(logger.getName());
    r.setParameters(new Object[] {this});
    r.setThrown(thrown);
    logger.log(r);
  }

  /** {@code key=value} pairs separated by spaces (values with spaces quoted). */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    tags.forEach(
        (k, v) -> {
          if (b.length() > 0) {
            b.append(' ');
          }
          b.append(k).append('=');
          b.append(
              v.isEmpty() || v.chars().anyMatch(Character::isWhitespace)
                  ? '"' + v.replace("\"", "\\\"") + '"'
                  : v);
        });
    return b.toString();
  }
}

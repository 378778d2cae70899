package org.rap.common.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * One line per event: {@code <time UTC YYYY-MM-DD HH:MM:SS.mmmZ> <thread> <LEVEL> <logger>:
 * <message> <tags>} (text), or one JSON object per line with {@code time} (RFC 3339 UTC, e.g.
 * {@code 2026-12-03T08:01:24.123Z}), {@code level}, {@code thread}, {@code logger}, {@code
 * message}, the tags as fields and {@code exception} (JSON). The tags end with {@code trace_id} and
 * {@code span_id}: those the event's tags carry (a job's trace), else those of the span current on
 * the logging thread. Configured secrets are replaced by {@code ********} wherever they appear.
 */
public final class LogFormat extends Formatter {
  public static final String MASK = "********";
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter RFC3339 =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final boolean json;
  // longest first, so that a secret containing another is masked whole
  private final Set<String> secrets =
      new ConcurrentSkipListSet<>(
          Comparator.comparingInt(String::length).reversed().thenComparing(s -> s));

  public LogFormat(boolean json) {
    this.json = json;
  }

  public boolean json() {
    return json;
  }

  /** Never print {@code secret} (values shorter than 6 characters are ignored: too common). */
  public void addSecret(String secret) {
    if (secret != null && secret.strip().length() >= 6) {
      secrets.add(secret.strip());
    }
  }

  @Override
  public String format(LogRecord r) {
    String time = (json ? RFC3339 : TIME).format(r.getInstant());
    String thread = Thread.currentThread().getName();
    String logger = shortName(r.getLoggerName());
    LogTags tags = null;
    Object[] params = r.getParameters();
    String message;
    if (params != null && params.length == 1 && params[0] instanceof LogTags t) {
      tags = t;
      message = r.getMessage();
    } else {
      message = formatMessage(r);
    }
    tags = withTraceIds(tags);
    String thrown = null;
    if (r.getThrown() != null) {
      StringWriter sw = new StringWriter();
      r.getThrown().printStackTrace(new PrintWriter(sw));
      thrown = sw.toString().stripTrailing();
    }
    String line;
    if (json) {
      JsonObject o =
          new JsonObject()
              .put("time", time)
              .put("level", levelName(r.getLevel()))
              .put("thread", thread)
              .put("logger", logger)
              .put("message", message);
      if (tags != null) {
        tags.asMap().forEach(o::put);
      }
      if (thrown != null) {
        o.put("exception", thrown);
      }
      line = o.encode();
    } else {
      StringBuilder b = new StringBuilder(128);
      b.append(time)
          .append(' ')
          .append(thread)
          .append(' ')
          .append(levelName(r.getLevel()))
          .append(' ');
      b.append(logger).append(": ").append(message);
      if (tags != null && !tags.asMap().isEmpty()) {
        b.append(' ').append(tags);
      }
      if (thrown != null) {
        b.append(System.lineSeparator()).append(thrown);
      }
      line = b.toString();
    }
    return redact(line) + System.lineSeparator();
  }

  /** Adds the current span's ids unless the tags carry a trace already. */
  private static LogTags withTraceIds(LogTags tags) {
    if (tags != null && tags.asMap().containsKey("trace_id")) {
      return tags;
    }
    SpanContext span = Span.current().getSpanContext();
    if (!span.isValid()) {
      return tags;
    }
    LogTags base = tags == null ? LogTags.of() : tags;
    return base.with("trace_id", span.getTraceId()).with("span_id", span.getSpanId());
  }

  String redact(String line) {
    String out = line;
    for (String s : secrets) {
      if (out.contains(s)) {
        out = out.replace(s, MASK);
      }
    }
    return out;
  }

  /** The operators' names (as LOGLEVEL takes them): DEBUG, INFO, WARNING, ERROR. */
  static String levelName(Level level) {
    int v = level.intValue();
    if (v >= Level.SEVERE.intValue()) {
      return "ERROR";
    }
    if (v >= Level.WARNING.intValue()) {
      return "WARNING";
    }
    if (v >= Level.INFO.intValue()) {
      return "INFO";
    }
    return "DEBUG";
  }

  private static String shortName(String name) {
    if (name == null) {
      return "";
    }
    int dot = name.lastIndexOf('.');
    return dot < 0 ? name : name.substring(dot + 1);
  }
}

package org.rap.controller.db;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.vertx.sqlclient.Row;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Renders RAP status job objects (rap-api.md section 8.3: exactly the 15 keys, in order) from the
 * plain columns of {@link JobRepository#statusDocuments} on PostgreSQL straight into JSON text.
 * Building the documents in PostgreSQL ({@code json_build_object}, {@code to_char}) cost most of
 * a 5,000-job answer; decoding plain columns and writing text here is several times cheaper.
 *
 * <p>Stored JSON columns ({@code trace_context}, the {@code job_metrics} of the latest RUNJOB
 * results, both cast through {@code json} by the query, so valid JSON) are copied verbatim when
 * they are objects, else rendered as {@code {}}.
 */
final class StatusDocumentWriter {
  private static final JsonStringEncoder ENCODER = JsonStringEncoder.getInstance();

  private final StringBuilder out = new StringBuilder(1 << 16);
  private final Set<String> rapIds = new LinkedHashSet<>();
  private boolean first = true;

  StatusDocumentWriter() {
    out.append('[');
  }

  /** Column order of {@code JobRepository.STATUS_PG_ROWS}. */
  void add(Row r) {
    out.append(first ? "{" : ",{");
    first = false;
    String rapId = r.getString(1);
    rapIds.add(rapId);
    string("identifier", r.getString(0)).append(',');
    string("rap_id", rapId).append(',');
    string("backend", r.getString(2)).append(',');
    string("action", nonNull(r.getString(3))).append(',');
    string("run_command", nonNull(r.getString(4))).append(',');
    string("status", r.getString(5)).append(',');
    string("status_code", r.getString(6)).append(',');
    string("status_message", nonNull(r.getString(7))).append(',');
    timestamp("created_at", r.getLong(8)).append(',');
    timestamp("updated_at", r.getLong(9)).append(',');
    timestamp("started_at", r.getLong(10)).append(',');
    timestamp("completed_at", r.getLong(11)).append(',');
    object("trace_context", r.getString(12)).append(',');
    object("metrics", r.getString(13)).append(',');
    Integer db = r.getInteger(14);
    out.append("\"requires_db\":").append(db != null && db != 0).append('}');
  }

  JobRepository.StatusDocuments finish() {
    out.append(']');
    StringBuilder raps = new StringBuilder(rapIds.size() * 20 + 2).append('[');
    boolean f = true;
    for (String r : rapIds) {
      if (!f) {
        raps.append(',');
      }
      f = false;
      quote(raps, r);
    }
    return new JobRepository.StatusDocuments(out.toString(), raps.append(']').toString());
  }

  private StringBuilder string(String key, String value) {
    out.append('"').append(key).append("\":");
    if (value == null) {
      return out.append("null");
    }
    quote(out, value);
    return out;
  }

  private StringBuilder timestamp(String key, Long epochSeconds) {
    out.append('"').append(key).append("\":");
    if (epochSeconds == null) {
      return out.append("null");
    }
    // yyyy-MM-ddTHH:mm:ssZ without a formatter (hot path: four per job)
    LocalDateTime t = LocalDateTime.ofEpochSecond(epochSeconds, 0, ZoneOffset.UTC);
    out.append('"');
    int y = t.getYear();
    if (y < 1000 || y > 9999) {
      return out.append(org.rap.common.model.Timestamps.isoSeconds(epochSeconds)).append('"');
    }
    out.append(y).append('-');
    two(t.getMonthValue()).append('-');
    two(t.getDayOfMonth()).append('T');
    two(t.getHour()).append(':');
    two(t.getMinute()).append(':');
    two(t.getSecond());
    return out.append("Z\"");
  }

  private StringBuilder two(int v) {
    if (v < 10) {
      out.append('0');
    }
    return out.append(v);
  }

  private StringBuilder object(String key, String json) {
    out.append('"').append(key).append("\":");
    if (json == null) {
      return out.append("{}");
    }
    String s = json.strip();
    return s.startsWith("{") ? out.append(s) : out.append("{}");
  }

  private static void quote(StringBuilder sb, String value) {
    sb.append('"');
    ENCODER.quoteAsString(value, sb);
    sb.append('"');
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }
}

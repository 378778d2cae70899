package org.rap.controller.db;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Row;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import org.rap.common.model.Timestamps;

/**
 * Renders RAP status job objects (docs/spec/rap-api.md section 8.3: exactly the 15 keys, in order)
 * from the plain columns of {@link StatusDocuments} on PostgreSQL straight into UTF-8 JSON bytes.
 * Building the documents in PostgreSQL ({@code json_build_object}, {@code to_char}) cost most of a
 * 5,000-job answer; decoding plain columns and writing bytes here is several times cheaper, and
 * writing bytes rather than text saves encoding the whole answer again.
 *
 * <p>Strings are escaped as Jackson escapes them ({@link JsonStringEncoder}); the common case, a
 * printable ASCII value without quote or backslash, is copied as it is. Stored JSON columns ({@code
 * trace_context}, checked to be an object by the query, and {@code job.metrics}, written from a
 * parsed object) are copied verbatim when they are objects, else rendered as {@code {}}.
 */
final class StatusDocumentWriter {
  private static final JsonStringEncoder ENCODER = JsonStringEncoder.getInstance();
  private static final byte[][] KEYS =
      keys(
          "{\"identifier\":",
          ",\"rap_id\":",
          ",\"backend\":",
          ",\"action\":",
          ",\"run_command\":",
          ",\"status\":",
          ",\"status_code\":",
          ",\"status_message\":",
          ",\"created_at\":",
          ",\"updated_at\":",
          ",\"started_at\":",
          ",\"completed_at\":",
          ",\"trace_context\":",
          ",\"metrics\":",
          ",\"requires_db\":");
  private static final byte[] NULL = ascii("null");
  private static final byte[] EMPTY_OBJECT = ascii("{}");
  private static final byte[] TRUE_END = ascii("true}");
  private static final byte[] FALSE_END = ascii("false}");

  private byte[] out;
  private int length;
  private final Set<String> rapIds = new LinkedHashSet<>();

  /**
   * @param expectedRows sizes the buffer (about 450 bytes a job) to avoid regrowing it
   */
  StatusDocumentWriter(int expectedRows) {
    out = new byte[Math.max(1024, expectedRows * 480)];
  }

  /** Column order of {@code StatusDocuments.STATUS_PG_ROWS}. */
  void add(Row r) {
    if (length > 0) {
      put((byte) ',');
    }
    String rapId = r.getString(1);
    rapIds.add(rapId);
    put(KEYS[0]);
    string(r.getString(0));
    put(KEYS[1]);
    string(rapId);
    put(KEYS[2]);
    string(r.getString(2));
    put(KEYS[3]);
    string(nonNull(r.getString(3)));
    put(KEYS[4]);
    string(nonNull(r.getString(4)));
    put(KEYS[5]);
    string(r.getString(5));
    put(KEYS[6]);
    string(r.getString(6));
    put(KEYS[7]);
    string(nonNull(r.getString(7)));
    put(KEYS[8]);
    timestamp(r.getLong(8));
    put(KEYS[9]);
    timestamp(r.getLong(9));
    put(KEYS[10]);
    timestamp(r.getLong(10));
    put(KEYS[11]);
    timestamp(r.getLong(11));
    put(KEYS[12]);
    object(r.getString(12));
    put(KEYS[13]);
    object(r.getString(13));
    put(KEYS[14]);
    Integer db = r.getInteger(14);
    put(db != null && db != 0 ? TRUE_END : FALSE_END);
  }

  /** The job objects comma-separated (no brackets), and the distinct rap ids among them. */
  StatusDocuments finish() {
    return new StatusDocuments(Buffer.buffer(length).appendBytes(out, 0, length), rapIds);
  }

  private void string(String value) {
    if (value == null) {
      put(NULL);
      return;
    }
    int n = value.length();
    ensure(n + 2);
    int start = length;
    out[length++] = '"';
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
        length = start;
        put((byte) '"');
        put(ENCODER.quoteAsUTF8(value));
        put((byte) '"');
        return;
      }
      out[length++] = (byte) c;
    }
    out[length++] = '"';
  }

  private void timestamp(Long epochSeconds) {
    if (epochSeconds == null) {
      put(NULL);
      return;
    }
    // "yyyy-MM-ddTHH:mm:ssZ" without a formatter (hot path: four per job)
    LocalDateTime t = LocalDateTime.ofEpochSecond(epochSeconds, 0, ZoneOffset.UTC);
    int y = t.getYear();
    if (y < 1000 || y > 9999) {
      string(Timestamps.isoSeconds(epochSeconds));
      return;
    }
    ensure(22);
    out[length++] = '"';
    digits(y / 100);
    digits(y % 100);
    out[length++] = '-';
    digits(t.getMonthValue());
    out[length++] = '-';
    digits(t.getDayOfMonth());
    out[length++] = 'T';
    digits(t.getHour());
    out[length++] = ':';
    digits(t.getMinute());
    out[length++] = ':';
    digits(t.getSecond());
    out[length++] = 'Z';
    out[length++] = '"';
  }

  /** Two digits of {@code v} (0-99); room already ensured. */
  private void digits(int v) {
    out[length++] = (byte) ('0' + v / 10);
    out[length++] = (byte) ('0' + v % 10);
  }

  private void object(String json) {
    if (json == null) {
      put(EMPTY_OBJECT);
      return;
    }
    String s = json.strip();
    if (!s.startsWith("{")) {
      put(EMPTY_OBJECT);
      return;
    }
    put(s.getBytes(StandardCharsets.UTF_8));
  }

  private void put(byte b) {
    ensure(1);
    out[length++] = b;
  }

  private void put(byte[] bytes) {
    ensure(bytes.length);
    System.arraycopy(bytes, 0, out, length, bytes.length);
    length += bytes.length;
  }

  private void ensure(int more) {
    if (length + more > out.length) {
      out = Arrays.copyOf(out, Math.max(out.length * 2, length + more));
    }
  }

  private static byte[][] keys(String... keys) {
    byte[][] out = new byte[keys.length][];
    for (int i = 0; i < keys.length; i++) {
      out[i] = ascii(keys[i]);
    }
    return out;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }
}

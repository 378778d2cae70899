package org.rap.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An OpenTelemetry collector stand-in: a Vert.x HTTP server on a random loopback port accepting
 * OTLP/HTTP protobuf {@code POST /v1/traces}, decoding the spans with a minimal protobuf reader (no
 * generated classes needed) and keeping them for assertions.
 */
public final class OtlpCollector implements AutoCloseable {
  /**
   * One received span; ids in lower-case hex, attribute values as String, Boolean, Long or Double.
   */
  public record Span(
      String traceId,
      String spanId,
      String parentSpanId,
      String name,
      long startNs,
      long endNs,
      Map<String, Object> attributes,
      int statusCode,
      Map<String, Object> resource,
      List<String> links) {
    /** Whether this span links to the span {@code spanId} of trace {@code traceId}. */
    public boolean linksTo(String traceId, String spanId) {
      return links.contains(traceId + "-" + spanId);
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final List<Span> spans = new ArrayList<>();
  private final HttpServer server;
  private int requests;

  public OtlpCollector() {
    server =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            body -> {
                              if (req.path().equals("/v1/traces")) {
                                List<Span> got;
                                try {
                                  got = decodeRequest(body.getBytes());
                                } catch (RuntimeException e) {
                                  req.response().setStatusCode(400).end(String.valueOf(e));
                                  return;
                                }
                                synchronized (this) {
                                  requests++;
                                  spans.addAll(got);
                                }
                                req.response()
                                    .putHeader("Content-Type", "application/x-protobuf")
                                    .end();
                              } else {
                                req.response().setStatusCode(404).end();
                              }
                            }))
            .listen(0, "127.0.0.1")
            .await();
  }

  /** {@code http://127.0.0.1:<port>} (the exporter appends {@code /v1/traces}). */
  public String endpoint() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  public synchronized List<Span> spans() {
    return List.copyOf(spans);
  }

  public synchronized int requests() {
    return requests;
  }

  public List<Span> spansOfTrace(String traceId) {
    return spans().stream().filter(s -> s.traceId().equals(traceId)).toList();
  }

  @Override
  public void close() {
    vertx.close().await();
  }

  // ------------------------------------------------------------------ protobuf wire format

  private static final class Reader {
    final ByteBuffer buf;

    Reader(byte[] bytes) {
      buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    boolean more() {
      return buf.hasRemaining();
    }

    long varint() {
      long result = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte b = buf.get();
        result |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return result;
        }
      }
      throw new IllegalArgumentException("malformed varint");
    }

    byte[] bytes() {
      byte[] out = new byte[(int) varint()];
      buf.get(out);
      return out;
    }

    /** Reads one field's value per wire type: Long, byte[] or (for fixed64) Long bits. */
    Object value(int wireType) {
      return switch (wireType) {
        case 0 -> varint();
        case 1 -> buf.getLong();
        case 2 -> bytes();
        case 5 -> (long) buf.getInt();
        default -> throw new IllegalArgumentException("unsupported wire type " + wireType);
      };
    }
  }

  private interface FieldHandler {
    void field(int number, Object value);
  }

  private static void read(byte[] message, FieldHandler h) {
    Reader r = new Reader(message);
    while (r.more()) {
      long key = r.varint();
      h.field((int) (key >>> 3), r.value((int) (key & 7)));
    }
  }

  static List<Span> decodeRequest(byte[] body) {
    List<Span> out = new ArrayList<>();
    read(
        body,
        (n, v) -> {
          if (n == 1) { // ResourceSpans
            Map<String, Object> resource = new LinkedHashMap<>();
            List<byte[]> scopeSpans = new ArrayList<>();
            read(
                (byte[]) v,
                (rn, rv) -> {
                  if (rn == 1) {
                    read(
                        (byte[]) rv,
                        (an, av) -> {
                          if (an == 1) {
                            keyValue((byte[]) av, resource);
                          }
                        });
                  } else if (rn == 2) {
                    scopeSpans.add((byte[]) rv);
                  }
                });
            for (byte[] ss : scopeSpans) {
              read(
                  ss,
                  (sn, sv) -> {
                    if (sn == 2) {
                      out.add(span((byte[]) sv, resource));
                    }
                  });
            }
          }
        });
    return out;
  }

  private static Span span(byte[] bytes, Map<String, Object> resource) {
    HexFormat hex = HexFormat.of();
    String[] ids = new String[3];
    String[] name = new String[1];
    long[] times = new long[2];
    int[] status = new int[1];
    Map<String, Object> attrs = new LinkedHashMap<>();
    List<String> links = new ArrayList<>();
    read(
        bytes,
        (n, v) -> {
          switch (n) {
            case 1 -> ids[0] = hex.formatHex((byte[]) v);
            case 2 -> ids[1] = hex.formatHex((byte[]) v);
            case 4 -> ids[2] = hex.formatHex((byte[]) v);
            case 5 -> name[0] = new String((byte[]) v, StandardCharsets.UTF_8);
            case 7 -> times[0] = (Long) v;
            case 8 -> times[1] = (Long) v;
            case 9 -> keyValue((byte[]) v, attrs);
            case 13 -> {
              String[] link = new String[2];
              read(
                  (byte[]) v,
                  (ln, lv) -> {
                    if (ln == 1) {
                      link[0] = hex.formatHex((byte[]) lv);
                    } else if (ln == 2) {
                      link[1] = hex.formatHex((byte[]) lv);
                    }
                  });
              links.add(link[0] + "-" + link[1]);
            }
            case 15 ->
                read(
                    (byte[]) v,
                    (sn, sv) -> {
                      if (sn == 3) {
                        status[0] = (int) (long) (Long) sv;
                      }
                    });
            default -> {}
          }
        });
    return new Span(
        ids[0],
        ids[1],
        ids[2] == null ? "" : ids[2],
        name[0],
        times[0],
        times[1],
        attrs,
        status[0],
        resource,
        List.copyOf(links));
  }

  private static void keyValue(byte[] bytes, Map<String, Object> into) {
    String[] key = new String[1];
    Object[] value = new Object[1];
    read(
        bytes,
        (n, v) -> {
          if (n == 1) {
            key[0] = new String((byte[]) v, StandardCharsets.UTF_8);
          } else if (n == 2) {
            read(
                (byte[]) v,
                (an, av) -> {
                  switch (an) {
                    case 1 -> value[0] = new String((byte[]) av, StandardCharsets.UTF_8);
                    case 2 -> value[0] = ((Long) av) != 0;
                    case 3 -> value[0] = av;
                    case 4 -> value[0] = Double.longBitsToDouble((Long) av);
                    default -> value[0] = String.valueOf(av);
                  }
                });
          }
        });
    if (key[0] != null) {
      into.put(key[0], value[0]);
    }
  }
}

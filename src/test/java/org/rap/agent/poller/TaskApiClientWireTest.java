package org.rap.agent.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rap.common.tasks.TaskUpdate;

/**
 * What the agent's task update looks like on the wire, read byte by byte by a plain socket server:
 * a WSGI stack (the reference controller's) reads a body only up to {@code Content-Length} and sees
 * an empty form when the body comes chunked.
 */
class TaskApiClientWireTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  /** One raw HTTP/1.1 request: the header lines (names lower-cased) and the body as sent. */
  record RawRequest(String requestLine, Map<String, String> headers, byte[] body) {}

  @Test
  void anUpdateIsASizedFormBodyWithoutChunkedEncoding() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<RawRequest> captured = CompletableFuture.supplyAsync(() -> serve(server));
      TaskApiClient client =
          new TaskApiClient(
              vertx,
              "http://127.0.0.1:" + server.getLocalPort() + "/",
              "test",
              "secret-token",
              Duration.ofSeconds(10),
              new FatalErrors());
      // a finalized update of a job with many outputs is tens of kilobytes: larger than the 8 KiB
      // above which a form encoder switches to chunks
      JsonObject results =
          new JsonObject()
              .put("message", "Ran & finished: 100% (ünïcode)")
              .put("hint", "x=y&z ".repeat(20_000));
      client.post(new TaskUpdate("job1-001", "finalized", results, true, 42L)).await();
      RawRequest r = captured.get(10, TimeUnit.SECONDS);

      assertEquals("POST /test/task/update/ HTTP/1.1", r.requestLine());
      assertFalse(r.headers().containsKey("transfer-encoding"), r.headers().toString());
      assertTrue(r.headers().containsKey("content-length"), r.headers().toString());
      assertEquals(r.body().length, Integer.parseInt(r.headers().get("content-length")));
      assertEquals("application/x-www-form-urlencoded", r.headers().get("content-type"));
      assertEquals("secret-token", r.headers().get("authorization"));
      String form = new String(r.body(), StandardCharsets.US_ASCII);
      assertTrue(form.startsWith("payload="), form);
      JsonObject payload =
          new JsonObject(
              URLDecoder.decode(form.substring("payload=".length()), StandardCharsets.UTF_8));
      assertEquals(
          new TaskUpdate("job1-001", "finalized", results, true, 42L).toPayload(), payload);
      client.close();
    }
  }

  /** Reads one request (headers, then exactly Content-Length bytes, or chunks) and answers 200. */
  private static RawRequest serve(ServerSocket server) {
    try (Socket s = server.accept()) {
      s.setSoTimeout(10_000);
      InputStream in = s.getInputStream();
      String head = readHead(in);
      String[] lines = head.split("\r\n");
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        headers.put(
            lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).strip());
      }
      byte[] body;
      if (headers.containsKey("content-length")) {
        body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
      } else {
        body = readChunked(in);
      }
      OutputStream out = s.getOutputStream();
      out.write(
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return new RawRequest(lines[0], headers, body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("connection closed inside the request head");
      }
      b.write(c);
      matched = c == end[matched] ? matched + 1 : (c == '\r' ? 1 : 0);
    }
    String head = b.toString(StandardCharsets.US_ASCII);
    return head.substring(0, head.length() - 4);
  }

  private static byte[] readChunked(InputStream in) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      StringBuilder size = new StringBuilder();
      int c;
      while ((c = in.read()) != '\n') {
        if (c < 0) {
          throw new IOException("connection closed inside a chunk size");
        }
        if (c != '\r') {
          size.append((char) c);
        }
      }
      int n = Integer.parseInt(size.toString().strip(), 16);
      if (n == 0) {
        in.readNBytes(2);
        return body.toByteArray();
      }
      body.write(in.readNBytes(n));
      in.readNBytes(2);
    }
  }
}

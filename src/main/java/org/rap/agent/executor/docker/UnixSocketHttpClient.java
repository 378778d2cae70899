package org.rap.agent.executor.docker;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 to the Docker engine over its Unix socket with the JDK's own Unix-domain channels: one
 * connection per request ({@code Connection: close}), bodies of fixed length, chunked or up to the
 * end of the connection. What a short-lived process needs and nothing more: no TLS set-up (the
 * engine's socket is plain) and no connection pool, whose start-up cost is paid by every {@code rap
 * run} while each Unix-socket connection costs microseconds. Streams (wait, logs, pull) stay open
 * until their body ends or the response is closed; {@code responseTimeout} bounds every wait for
 * the engine's next bytes (zero: none). Connection upgrades (attach) are not supported.
 */
public final class UnixSocketHttpClient implements DockerHttpClient {
  private final Path socket;
  private final Duration responseTimeout;

  public UnixSocketHttpClient(Path socket, Duration responseTimeout) {
    this.socket = socket;
    this.responseTimeout = responseTimeout;
  }

  @Override
  public Response execute(Request request) {
    if (request.hijackedInput() != null) {
      throw new UnsupportedOperationException("attaching to a container is not supported");
    }
    Connection c;
    try {
      c = new Connection(SocketChannel.open(StandardProtocolFamily.UNIX), responseTimeout);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      c.channel.connect(UnixDomainSocketAddress.of(socket));
      c.channel.configureBlocking(false);
      c.write(head(request));
      return c.readResponse(request.method());
    } catch (IOException e) {
      c.close();
      throw new UncheckedIOException(
          "Docker engine at unix://" + socket + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
  }

  private static byte[] head(Request request) throws IOException {
    byte[] body = request.bodyBytes();
    if (body == null && request.body() != null) {
      body = request.body().readAllBytes();
    }
    StringBuilder h = new StringBuilder();
    h.append(request.method()).append(' ').append(request.path()).append(" HTTP/1.1\r\n");
    h.append("Host: docker\r\nConnection: close\r\n");
    request.headers().forEach((k, v) -> h.append(k).append(": ").append(v).append("\r\n"));
    if (body != null) {
      if (!request.headers().containsKey("Content-Type")) {
        h.append("Content-Type: application/json\r\n");
      }
      h.append("Content-Length: ").append(body.length).append("\r\n");
    }
    h.append("\r\n");
    byte[] head = h.toString().getBytes(StandardCharsets.UTF_8);
    if (body == null) {
      return head;
    }
    byte[] all = new byte[head.length + body.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(body, 0, all, head.length, body.length);
    return all;
  }

  @Override
  public void close() {
    // nothing held between requests
  }

  /** One request's connection; closing the response closes it (and ends a blocked read). */
  private static final class Connection implements Response {
    private final SocketChannel channel;
    private final Selector selector;
    private SelectionKey key;
    private final long timeoutMs;
    private final ByteBuffer buf = ByteBuffer.allocate(16384).flip();
    private int status;
    private Map<String, List<String>> headers;
    private InputStream body;
    private volatile boolean closed;

    Connection(SocketChannel channel, Duration timeout) throws IOException {
      this.channel = channel;
      this.selector = Selector.open();
      this.timeoutMs = timeout == null ? 0 : timeout.toMillis();
    }

    void write(byte[] bytes) throws IOException {
      ByteBuffer out = ByteBuffer.wrap(bytes);
      while (out.hasRemaining()) {
        if (channel.write(out) == 0) {
          await(SelectionKey.OP_WRITE);
        }
      }
    }

    /** Waits until the channel is ready for {@code op}, within the timeout. */
    private void await(int op) throws IOException {
      if (key == null) {
        key = channel.register(selector, op);
      } else {
        key.interestOps(op);
      }
      if (closed) {
        throw new IOException("connection closed");
      }
      int ready = selector.select(timeoutMs);
      selector.selectedKeys().clear();
      if (closed) {
        throw new IOException("connection closed");
      }
      if (ready == 0 && timeoutMs > 0) {
        throw new SocketTimeoutException("Docker did not answer within " + timeoutMs + " ms");
      }
    }

    /** Fills the buffer with more bytes: false at the end of the stream. */
    private boolean fill() throws IOException {
      buf.compact();
      try {
        while (true) {
          int n = channel.read(buf);
          if (n > 0) {
            return true;
          }
          if (n < 0) {
            return false;
          }
          await(SelectionKey.OP_READ);
        }
      } finally {
        buf.flip();
      }
    }

    private int readByte() throws IOException {
      if (!buf.hasRemaining() && !fill()) {
        return -1;
      }
      return buf.get() & 0xff;
    }

    private String readLine() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      while (true) {
        int b = readByte();
        if (b < 0) {
          if (line.size() == 0) {
            throw new EOFException("Docker closed the connection");
          }
          break;
        }
        if (b == '\n') {
          break;
        }
        line.write(b);
      }
      String s = line.toString(StandardCharsets.ISO_8859_1);
      return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    Response readResponse(String method) throws IOException {
      String statusLine = readLine();
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
        throw new IOException("not an HTTP response: " + statusLine);
      }
      status = Integer.parseInt(parts[1]);
      Map<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (String line = readLine(); !line.isEmpty(); line = readLine()) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          h.computeIfAbsent(line.substring(0, colon).strip(), k -> new ArrayList<>())
              .add(line.substring(colon + 1).strip());
        }
      }
      headers = h;
      String te = header("Transfer-Encoding");
      String length = header("Content-Length");
      if (method.equals("HEAD") || status == 204 || status == 304) {
        body = InputStream.nullInputStream();
      } else if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
        body = new ChunkedBody();
      } else if (length != null) {
        body = new FixedBody(Long.parseLong(length.strip()));
      } else {
        body = new FixedBody(Long.MAX_VALUE);
      }
      return this;
    }

    private String header(String name) {
      List<String> v = headers.get(name);
      return v == null || v.isEmpty() ? null : v.get(0);
    }

    @Override
    public int getStatusCode() {
      return status;
    }

    @Override
    public Map<String, List<String>> getHeaders() {
      return headers;
    }

    @Override
    public InputStream getBody() {
      return body;
    }

    @Override
    public void close() {
      closed = true;
      try {
        channel.close();
      } catch (IOException e) {
        // closing: nothing left to do
      }
      selector.wakeup();
      try {
        selector.close();
      } catch (IOException e) {
        // closing: nothing left to do
      }
    }

    /** Reads up to {@code len} bytes of the connection, at most what is buffered plus one fill. */
    private int readRaw(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!buf.hasRemaining() && !fill()) {
        return -1;
      }
      int n = Math.min(len, buf.remaining());
      buf.get(b, off, n);
      return n;
    }

    /** A response body: closing it closes the connection. */
    private abstract class Body extends InputStream {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public void close() {
        Connection.this.close();
      }
    }

    /** A body of known length (or up to the end of the connection). */
    private final class FixedBody extends Body {
      private long left;

      FixedBody(long length) {
        this.left = length;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (left <= 0 || closed) {
          return -1;
        }
        int n = readRaw(b, off, (int) Math.min(len, left));
        if (n < 0) {
          if (left != Long.MAX_VALUE) {
            throw new EOFException("Docker closed the connection " + left + " bytes early");
          }
          left = 0;
          return -1;
        }
        left -= n;
        return n;
      }
    }

    /** A chunked body: chunk sizes are read as they come, trailers skipped. */
    private final class ChunkedBody extends Body {
      private long chunkLeft;
      private boolean afterChunk;
      private boolean done;

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (done || closed) {
          return -1;
        }
        if (chunkLeft == 0) {
          if (afterChunk) {
            readLine(); // the CRLF after the previous chunk
            afterChunk = false;
          }
          String size = readLine();
          int semi = size.indexOf(';');
          chunkLeft = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).strip(), 16);
          if (chunkLeft == 0) {
            for (String t = readLine(); !t.isEmpty(); t = readLine()) {
              // trailer fields: none that matter
            }
            done = true;
            return -1;
          }
        }
        int n = readRaw(b, off, (int) Math.min(len, chunkLeft));
        if (n < 0) {
          throw new EOFException("Docker closed the connection inside a chunk");
        }
        chunkLeft -= n;
        afterChunk = chunkLeft == 0;
        return n;
      }
    }
  }
}

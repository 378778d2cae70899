package org.rap.agent.executor.docker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Docker's multiplexed log stream read without docker-java's frame model. */
class ContainerCallsTest {
  private static byte[] frame(int stream, byte[] payload) {
    byte[] f = new byte[8 + payload.length];
    f[0] = (byte) stream;
    int n = payload.length;
    f[4] = (byte) (n >>> 24);
    f[5] = (byte) (n >>> 16);
    f[6] = (byte) (n >>> 8);
    f[7] = (byte) n;
    System.arraycopy(payload, 0, f, 8, n);
    return f;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void payloadsOfStdoutAndStderrInArrivalOrderHeadersDropped() throws IOException {
    byte[] big = new byte[70_000]; // larger than one read buffer and than 16 bits of size
    Arrays.fill(big, (byte) 'x');
    byte[] in =
        concat(
            frame(1, "out\n".getBytes(StandardCharsets.UTF_8)),
            frame(2, "err\n".getBytes(StandardCharsets.UTF_8)),
            frame(1, big),
            frame(1, new byte[0]));
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    assertNull(ContainerCalls.copyFrames(new ByteArrayInputStream(in), sink));
    byte[] expected = concat("out\nerr\n".getBytes(StandardCharsets.UTF_8), big);
    assertArrayEquals(expected, sink.toByteArray());
  }

  @Test
  void aStreamWithoutFrameHeadersIsCopiedAsItIs() throws IOException {
    byte[] raw = "plain output of a terminal\nsecond line\n".getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    assertNull(ContainerCalls.copyFrames(new ByteArrayInputStream(raw), sink));
    assertArrayEquals(raw, sink.toByteArray());
  }

  @Test
  void aFrameCutShortKeepsWhatCame() throws IOException {
    byte[] whole = frame(1, "0123456789".getBytes(StandardCharsets.UTF_8));
    byte[] cut = Arrays.copyOf(whole, 8 + 4);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    assertNull(ContainerCalls.copyFrames(new ByteArrayInputStream(cut), sink));
    assertEquals("0123", sink.toString(StandardCharsets.UTF_8));
  }

  @Test
  void theSinksFailureIsReturnedAndReadingStops() throws IOException {
    IOException full = new IOException("disk full");
    OutputStream failing =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            throw full;
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            throw full;
          }
        };
    byte[] in = concat(frame(1, "a".getBytes(StandardCharsets.UTF_8)), frame(1, new byte[10]));
    assertSame(full, ContainerCalls.copyFrames(new ByteArrayInputStream(in), failing));
  }
}

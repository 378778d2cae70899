package org.rap.agent.finalize;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Keeps the last {@code cap} bytes of whatever is written to it, in a file used as a ring buffer:
 * disk use is at most {@code cap} bytes and memory one small buffer, however much is written. A job
 * printing gigabytes costs the agent nothing more than a job printing a page.
 *
 * <p>{@link #copyTo} writes what was kept, in order. When bytes were dropped it starts with a line
 * saying how many, and the kept text starts at its first whole line (up to {@link #MAX_SKIP} bytes
 * of a cut line are dropped with the rest).
 */
public final class TailFile extends OutputStream {
  /** At most this much of a line cut by the truncation is dropped to start on a whole line. */
  static final int MAX_SKIP = 64 * 1024;

  private static final int BUFFER = 64 * 1024;

  private final FileChannel channel;
  private final long cap;
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
  private long total;

  /** Creates (or truncates) {@code file}; the caller deletes it when done. */
  public TailFile(Path file, long cap) throws IOException {
    if (cap <= 0) {
      throw new IllegalArgumentException("cap must be positive: " + cap);
    }
    this.cap = cap;
    this.channel =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
  }

  /** Bytes written so far (kept or not). */
  public long total() {
    return total + buffer.position();
  }

  /** Bytes dropped from the start so far. */
  public long dropped() {
    return Math.max(0, total() - cap);
  }

  @Override
  public void write(int b) throws IOException {
    if (!buffer.hasRemaining()) {
      drain();
    }
    buffer.put((byte) b);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (!buffer.hasRemaining()) {
        drain();
      }
      int n = Math.min(len, buffer.remaining());
      buffer.put(b, off, n);
      off += n;
      len -= n;
    }
  }

  @Override
  public void flush() throws IOException {
    drain();
  }

  /** Writes the buffered bytes at their place in the ring (only the last {@code cap} matter). */
  private void drain() throws IOException {
    buffer.flip();
    int n = buffer.remaining();
    if (n > cap) {
      buffer.position((int) (n - cap));
      total += n - cap;
    }
    while (buffer.hasRemaining()) {
      long at = total % cap;
      int chunk = (int) Math.min(buffer.remaining(), cap - at);
      ByteBuffer part = buffer.slice(buffer.position(), chunk);
      while (part.hasRemaining()) {
        channel.write(part, at + part.position());
      }
      buffer.position(buffer.position() + chunk);
      total += chunk;
    }
    buffer.clear();
  }

  /**
   * Writes the kept bytes to {@code out} in order, preceded by {@link #truncationNote} when bytes
   * were dropped. Returns the last byte written (-1 when nothing was), so a caller can end the text
   * with a newline.
   */
  public int copyTo(OutputStream out) throws IOException {
    drain();
    long kept = Math.min(total, cap);
    long start = total <= cap ? 0 : total % cap;
    long skip = 0;
    if (total > cap) {
      skip = lineStart(start, kept);
      out.write(truncationNote(total - kept + skip, cap).getBytes(StandardCharsets.UTF_8));
    }
    int last = -1;
    ByteBuffer chunk = ByteBuffer.allocate(BUFFER);
    for (long i = skip; i < kept; ) {
      long at = (start + i) % cap;
      int n = (int) Math.min(Math.min(BUFFER, kept - i), cap - at);
      chunk.clear().limit(n);
      while (chunk.hasRemaining()) {
        if (channel.read(chunk, at + chunk.position()) < 0) {
          throw new IOException("the log buffer file ended early");
        }
      }
      out.write(chunk.array(), 0, n);
      last = chunk.array()[n - 1] & 0xff;
      i += n;
    }
    return last;
  }

  /** Bytes to skip from the ring's logical start to the first whole line (0: none found). */
  private long lineStart(long start, long kept) throws IOException {
    long limit = Math.min(MAX_SKIP, kept);
    ByteBuffer b = ByteBuffer.allocate((int) limit);
    for (long i = 0; i < limit; ) {
      long at = (start + i) % cap;
      int n = (int) Math.min(limit - i, cap - at);
      b.clear().limit(n);
      while (b.hasRemaining()) {
        if (channel.read(b, at + b.position()) < 0) {
          return 0;
        }
      }
      for (int k = 0; k < n; k++) {
        if (b.get(k) == '\n') {
          long skip = i + k + 1;
          return skip < kept ? skip : 0;
        }
      }
      i += n;
    }
    return 0;
  }

  /** The line opening a truncated log. */
  public static String truncationNote(long dropped, long cap) {
    return "[The first "
        + dropped
        + " bytes of this job's output are not kept here: a job log keeps the last "
        + cap
        + " bytes (MAX_LOG_BYTES).]\n";
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}

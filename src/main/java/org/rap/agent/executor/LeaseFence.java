package org.rap.agent.executor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The fence of a job's finalization on shared storage (docs/spec/task-api.md section 8.3): a file
 * beside the job's log holding the highest lease token that began to finalize the job, read and
 * written under an exclusive lock held for the whole finalization. An attempt whose token is below
 * the file's writes nothing, so an agent that comes back after its lease ran out cannot overwrite
 * what a later attempt filed; a later attempt waits for an earlier one that holds the lock and then
 * writes over it.
 */
final class LeaseFence {
  static final String FILE = "lease.fence";

  /** Work done while the fence is held. */
  @FunctionalInterface
  interface Work<T> {
    T run() throws IOException;
  }

  private LeaseFence() {}

  /**
   * Runs {@code work} holding the fence at {@code token}.
   *
   * @throws StaleAttempt when a later attempt's token is in the fence (nothing is run)
   */
  static <T> T hold(Path fenceFile, long token, String jobId, Work<T> work) throws IOException {
    Files.createDirectories(fenceFile.getParent());
    try (FileChannel ch =
            FileChannel.open(
                fenceFile,
                StandardOpenOption.CREATE,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      long fenced = read(ch);
      if (fenced > token) {
        throw new StaleAttempt(
            "A later attempt at job "
                + jobId
                + " (lease token "
                + fenced
                + ") has begun to finalize it; this attempt (token "
                + token
                + ") files nothing");
      }
      if (fenced < token) {
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(Long.toString(token).getBytes(StandardCharsets.US_ASCII)), 0);
        ch.force(true);
      }
      return work.run();
    }
  }

  private static long read(FileChannel ch) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(32);
    ch.read(buf, 0);
    String text = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).strip();
    try {
      return text.isEmpty() ? 0 : Long.parseLong(text);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}

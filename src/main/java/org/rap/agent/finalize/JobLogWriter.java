package org.rap.agent.finalize;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;
import org.rap.agent.outputs.AtomicFiles;
import org.rap.agent.outputs.SecretRedactor;

/**
 * Writes a job's {@code logs.txt} (docs/spec/agent-executor.md section 7.3) in bounded memory: the
 * container's output streams through the secret redactor into a {@link TailFile} that keeps its
 * last {@code maxLogBytes} bytes, then the kept output and the summary go to the log file, written
 * atomically. The workspace copies are streamed from it. No step holds the output in memory, so a
 * job printing any amount costs the agent the same.
 */
public final class JobLogWriter {
  private static final Logger LOG = Logger.getLogger(JobLogWriter.class.getName());

  /** Where a job's output comes from (e.g. the container's log). */
  @FunctionalInterface
  public interface LogSource {
    /** Writes the whole output to {@code out}, streaming; must not close it. */
    void writeTo(OutputStream out) throws IOException;

    LogSource NONE = out -> {};
  }

  private JobLogWriter() {}

  /**
   * Writes {@code dest}: the output of {@code source} with the values of {@code secrets} masked,
   * its last {@code maxLogBytes} bytes kept (a note says how much was cut), then {@code summary}.
   * Returns how many bytes of output were not kept.
   */
  public static long write(
      Path dest, LogSource source, SecretRedactor secrets, long maxLogBytes, String summary)
      throws IOException {
    AtomicFiles.deleteLeftovers(dest); // also the buffer of a writer that was killed
    Path buffer = AtomicFiles.tempFor(dest);
    try (TailFile tail = new TailFile(buffer, maxLogBytes)) {
      SecretRedactor.Redacting redacting = secrets.filter(tail);
      source.writeTo(redacting);
      redacting.flush(); // what was held back for a secret split between two writes
      if (redacting.masked() > 0) {
        LOG.info(dest + ": masked " + redacting.masked() + " secret value(s) in the job's output");
      }
      if (tail.dropped() > 0) {
        LOG.info(
            dest
                + ": the job printed "
                + tail.total()
                + " bytes; the log keeps the last "
                + maxLogBytes);
      }
      AtomicFiles.write(
          dest,
          out -> {
            int last = tail.copyTo(out);
            if (last >= 0 && last != '\n') {
              out.write('\n');
            }
            out.write(summary.getBytes(StandardCharsets.UTF_8));
          });
      return tail.dropped();
    } finally {
      Files.deleteIfExists(buffer);
    }
  }

  /** Replaces {@code dest} with a copy of the written log (atomically, streaming). */
  public static void copy(Path log, Path dest) throws IOException {
    AtomicFiles.deleteLeftovers(dest);
    AtomicFiles.copy(log, dest);
  }
}

package org.rap.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Records what a logger logs while open: {@code try (LogCapture c = LogCapture.of(logger))}. */
public final class LogCapture extends Handler implements AutoCloseable {
  public final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Logger logger;

  private LogCapture(Logger logger) {
    this.logger = logger;
  }

  public static LogCapture of(Logger logger) {
    LogCapture c = new LogCapture(logger);
    logger.addHandler(c);
    return c;
  }

  @Override
  public void publish(LogRecord r) {
    records.add(r);
  }

  @Override
  public void flush() {}

  /** Stops recording. */
  @Override
  public void close() {
    logger.removeHandler(this);
  }
}

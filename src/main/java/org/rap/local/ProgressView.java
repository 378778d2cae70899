package org.rap.local;

import java.io.PrintStream;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Live progress of a local run. On a terminal: one status line per running action (and per image
 * being pulled), redrawn in place every quarter second, with finished actions printed above them as
 * permanent lines. Otherwise (a pipe, a file, CI): one plain line per event. With {@code
 * timestamps} every permanent line starts with the date and time.
 */
public final class ProgressView implements LocalRunner.Listener, AutoCloseable {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
  private final PrintStream out;
  private final boolean tty;
  private final boolean timestamps;
  private final Map<String, Status> live = new LinkedHashMap<>();
  private int drawn;
  private boolean closed;
  private ScheduledExecutorService ticker;

  private record Status(String text, long since) {}

  public ProgressView(PrintStream out, boolean tty, boolean timestamps) {
    this.out = out;
    this.tty = tty;
    this.timestamps = timestamps;
  }

  /** A line that stays (above the live lines on a terminal). */
  public synchronized void line(String text) {
    if (closed) {
      return;
    }
    if (tty) {
      erase();
    }
    out.println(stamp() + text);
    if (tty) {
      draw();
    }
    out.flush();
  }

  /** Sets the live line {@code key} (a plain line when not on a terminal). */
  public synchronized void status(String key, String text) {
    if (closed) {
      return;
    }
    Status old = live.get(key);
    live.put(key, new Status(text, old == null ? System.nanoTime() : old.since()));
    if (tty) {
      startTicker();
      redraw();
    } else {
      out.println(stamp() + key + ": " + text);
      out.flush();
    }
  }

  /** Removes the live line {@code key}; {@code text}, when given, stays as a permanent line. */
  public synchronized void done(String key, String text) {
    if (closed) {
      return;
    }
    Status s = live.remove(key);
    if (tty) {
      erase();
      if (text != null) {
        out.println(stamp() + text);
      }
      draw();
      out.flush();
    } else if (text != null) {
      out.println(stamp() + text);
      out.flush();
    }
    if (s != null && live.isEmpty()) {
      stopTicker();
    }
  }

  @Override
  public void stage(String action, String stage) {
    status(action, stage);
  }

  @Override
  public void finished(ActionResult r) {
    String took =
        r.took().isZero()
            ? ""
            : String.format(Locale.ROOT, " (%.1f s)", r.took().toMillis() / 1000.0);
    done(r.action(), r.action() + ": " + r.state() + " - " + firstLine(r.message()) + took);
  }

  private static String firstLine(String s) {
    String t = s == null ? "" : s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl).strip() + " ...";
  }

  private String stamp() {
    return timestamps ? LocalDateTime.now().format(STAMP) + " " : "";
  }

  private void redraw() {
    erase();
    draw();
    out.flush();
  }

  /** Moves up over the live lines and clears them. */
  private void erase() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < drawn; i++) {
      sb.append("\033[1A\r\033[2K");
    }
    out.print(sb);
    drawn = 0;
  }

  private void draw() {
    long now = System.nanoTime();
    int width = live.keySet().stream().mapToInt(String::length).max().orElse(0);
    for (Map.Entry<String, Status> e : live.entrySet()) {
      double secs = (now - e.getValue().since()) / 1e9;
      String key = e.getKey() + " ".repeat(width - e.getKey().length());
      out.println(String.format(Locale.ROOT, "  %s  %s  %.1f s", key, e.getValue().text(), secs));
      drawn++;
    }
  }

  private void startTicker() {
    if (ticker == null) {
      ticker =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "rap-run-progress");
                t.setDaemon(true);
                return t;
              });
      ticker.scheduleAtFixedRate(this::tick, 250, 250, TimeUnit.MILLISECONDS);
    }
  }

  private synchronized void tick() {
    if (!live.isEmpty()) {
      redraw();
    }
  }

  private void stopTicker() {
    if (ticker != null) {
      ticker.shutdownNow();
      ticker = null;
    }
  }

  /** Ends the live lines; nothing is printed after this. */
  @Override
  public synchronized void close() {
    closed = true;
    stopTicker();
    if (tty) {
      erase();
      out.flush();
    }
  }
}

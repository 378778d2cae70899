package org.rap.common.telemetry;

import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A labelled gauge whose rows are replaced as a whole (e.g. after every scheduler pass) without a
 * scrape ever seeing them missing: each row reads a holder that is updated in place, and rows are
 * only added or removed when the set of labels changes (Micrometer's overwriting registration
 * removes and re-adds every row, leaving a gap a concurrent scrape can fall into).
 */
public final class GaugeRows {
  private final MultiGauge gauge;
  private final Map<Tags, Holder> holders = new ConcurrentHashMap<>();

  private static final class Holder {
    private volatile double value;

    double get() {
      return value;
    }

    void set(double v) {
      value = v;
    }
  }

  public GaugeRows(MultiGauge gauge) {
    this.gauge = gauge;
  }

  /** The rows from now on: one per tags, with its value. */
  public synchronized void set(Map<Tags, ? extends Number> values) {
    boolean changed = !holders.keySet().equals(values.keySet());
    values.forEach(
        (tags, v) -> holders.computeIfAbsent(tags, t -> new Holder()).set(v.doubleValue()));
    if (changed) {
      holders.keySet().retainAll(values.keySet());
      List<MultiGauge.Row<?>> rows = new ArrayList<>();
      holders.forEach((tags, h) -> rows.add(MultiGauge.Row.of(tags, h, Holder::get)));
      gauge.register(rows, false);
    }
  }
}

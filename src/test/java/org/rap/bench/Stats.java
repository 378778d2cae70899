package org.rap.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Percentiles for benchmark samples. */
public final class Stats {
  private Stats() {}

  public static long median(List<Long> samples) {
    return percentile(samples, 50);
  }

  public static long percentile(List<Long> samples, double p) {
    List<Long> s = new ArrayList<>(samples);
    Collections.sort(s);
    int idx = (int) Math.ceil(p / 100.0 * s.size()) - 1;
    return s.get(Math.max(0, Math.min(s.size() - 1, idx)));
  }

  public static double percentileD(List<Double> samples, double p) {
    List<Double> s = new ArrayList<>(samples);
    Collections.sort(s);
    int idx = (int) Math.ceil(p / 100.0 * s.size()) - 1;
    return s.get(Math.max(0, Math.min(s.size() - 1, idx)));
  }
}

package org.rap.local;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.rap.common.pipeline.Action;
import org.rap.common.pipeline.Pipeline;

/**
 * Which actions a local run runs, in dependency order: requested ones always; dependencies only
 * when they have not succeeded before with their outputs still on disk (or with {@code
 * --force-run-dependencies}). {@code run_all} requests every action without naming them (failed
 * ones re-run, succeeded ones are reused).
 */
public final class LocalPlan {
  public static final String RUN_ALL = "run_all";

  /** An action name the project does not define, with what it does define. */
  public static final class UnknownActionException extends IllegalArgumentException {
    private final String action;
    private final List<String> valid;

    UnknownActionException(String action, List<String> valid) {
      super("Action '" + action + "' not found in project.yaml");
      this.action = action;
      this.valid = valid;
    }

    public String action() {
      return action;
    }

    /** {@code run_all} first, then the project's actions in file order. */
    public List<String> validActions() {
      return valid;
    }

    /** The closest valid name, when one is close enough to be a typo; else null. */
    public String suggestion() {
      return closest(action, valid);
    }
  }

  private LocalPlan() {}

  /**
   * @param succeededBefore whether an action's last run succeeded and its outputs are still there
   * @throws UnknownActionException for a name the project does not define (or no name at all)
   */
  public static List<String> plan(
      Pipeline pipeline, List<String> requested, boolean force, Predicate<String> succeededBefore) {
    if (requested.isEmpty()) {
      throw new UnknownActionException("", valid(pipeline));
    }
    boolean runAll = requested.contains(RUN_ALL) && pipeline.action(RUN_ALL) == null;
    for (String a : requested) {
      if (pipeline.action(a) == null && !(runAll && a.equals(RUN_ALL))) {
        throw new UnknownActionException(a, valid(pipeline));
      }
    }
    List<String> starting = runAll ? pipeline.allActions() : requested;
    Set<String> order = new LinkedHashSet<>();
    Set<String> visiting = new LinkedHashSet<>();
    for (String a : starting) {
      visit(pipeline, a, requested, force, succeededBefore, order, visiting);
    }
    return List.copyOf(order);
  }

  private static List<String> valid(Pipeline pipeline) {
    List<String> v = new ArrayList<>();
    v.add(RUN_ALL);
    v.addAll(pipeline.allActions());
    return List.copyOf(v);
  }

  private static void visit(
      Pipeline p,
      String action,
      List<String> requested,
      boolean force,
      Predicate<String> succeededBefore,
      Set<String> order,
      Set<String> visiting) {
    Action a = p.action(action);
    if (order.contains(action) || !visiting.add(action)) {
      return;
    }
    boolean run = requested.contains(action) || force || !succeededBefore.test(action);
    if (run) {
      for (String need : a.needs()) {
        visit(p, need, requested, force, succeededBefore, order, visiting);
      }
      order.add(action);
    }
  }

  /** The candidate nearest to {@code name} by edit distance, if within a third of its length. */
  static String closest(String name, List<String> candidates) {
    if (name.isEmpty()) {
      return null;
    }
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = distance(name.toLowerCase(), c.toLowerCase());
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    int allowed = Math.max(2, name.length() / 3);
    return bestDistance <= allowed || (best != null && best.startsWith(name)) ? best : null;
  }

  /** Levenshtein distance. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}

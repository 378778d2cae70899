package org.rap.common.pipeline;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A validated project.yaml.
 *
 * @param version the {@code version} as a number (e.g. 3.0)
 * @param actions actions in file order, keyed by name (a user action named {@code run_all} is kept
 *     here but excluded from {@link #allActions()})
 * @param expectationsPopulationSize {@code expectations.population_size}, or null when absent
 * @param warnings non-fatal warnings, in the order found
 */
public record Pipeline(
    double version,
    Map<String, Action> actions,
    Integer expectationsPopulationSize,
    List<String> warnings) {

  /** Action names in file order, excluding {@code run_all}. */
  public List<String> allActions() {
    return actions.keySet().stream().filter(n -> !n.equals("run_all")).toList();
  }

  public Action action(String name) {
    return actions.get(name);
  }

  /**
   * Sorted set of {@code image:version} of all actions (the reference's {@code action_images}),
   * with {@code latest} reported as {@code v1}.
   */
  public SortedSet<String> actionImages() {
    TreeSet<String> images = new TreeSet<>();
    for (Action a : actions.values()) {
      String version = a.imageVersion();
      if (version == null || version.equals("latest")) {
        version = version == null ? "" : "v1";
      }
      images.add(a.imageName() + ":" + version);
    }
    return Collections.unmodifiableSortedSet(images);
  }
}

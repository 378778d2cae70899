package org.rap.controller.planning;

import java.util.Set;
import org.rap.common.config.Settings;

/**
 * Job-creation policy that is hard-coded in the reference but configurable here.
 *
 * @param actionsRepoBase where reusable actions live: {@code https://github.com/<org>} (default
 *     org {@code opensafely-actions}); an absolute local directory is accepted when {@code
 *     ALLOW_LOCAL_GIT_REPOS} is on (tests, development)
 * @param allowedImages runtime images that are not reusable actions
 */
public record PlanningConfig(String actionsRepoBase, Set<String> allowedImages) {
  public static final Set<String> ALLOWED_IMAGES =
      Set.of("ehrql", "stata-mp", "r", "jupyter", "python", "sqlrunner");
  public static final String DEFAULT_ACTIONS_ORG = "opensafely-actions";

  public PlanningConfig {
    actionsRepoBase = actionsRepoBase.replaceAll("/+$", "");
    allowedImages = Set.copyOf(allowedImages);
  }

  public static PlanningConfig defaults() {
    return new PlanningConfig("https://github.com/" + DEFAULT_ACTIONS_ORG, ALLOWED_IMAGES);
  }

  /**
   * From {@code ACTIONS_GITHUB_ORG} (default {@code opensafely-actions}) or a full {@code
   * ACTIONS_GITHUB_ORG_URL}.
   */
  public static PlanningConfig from(Settings s) {
    String org = s.string("ACTIONS_GITHUB_ORG", DEFAULT_ACTIONS_ORG);
    return new PlanningConfig(
        s.string("ACTIONS_GITHUB_ORG_URL", "https://github.com/" + org), ALLOWED_IMAGES);
  }

  /** The organisation: the last segment of {@link #actionsRepoBase()}. */
  public String actionsOrg() {
    return actionsRepoBase.substring(actionsRepoBase.lastIndexOf('/') + 1);
  }

  public boolean isLocal() {
    return actionsRepoBase.startsWith("/");
  }
}

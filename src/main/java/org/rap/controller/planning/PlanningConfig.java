package org.rap.controller.planning;

import java.util.Set;
import org.rap.common.config.ControllerConfig;
import org.rap.common.model.JobImages;

/**
 * Job-creation policy that is hard-coded in the reference but configurable here.
 *
 * @param actionsRepoBase where reusable actions live: {@code https://github.com/<org>} (default org
 *     {@code opensafely-actions}); an absolute local directory is accepted when {@code
 *     ALLOW_LOCAL_GIT_REPOS} is on (tests, development)
 * @param allowedImages runtime images that are not reusable actions
 */
public record PlanningConfig(String actionsRepoBase, Set<String> allowedImages) {
  public static final Set<String> ALLOWED_IMAGES = JobImages.RUNTIME;
  public static final String DEFAULT_ACTIONS_ORG = "opensafely-actions";

  public PlanningConfig {
    actionsRepoBase = actionsRepoBase.replaceAll("/+$", "");
    allowedImages = Set.copyOf(allowedImages);
  }

  public static PlanningConfig defaults() {
    return new PlanningConfig("https://github.com/" + DEFAULT_ACTIONS_ORG, ALLOWED_IMAGES);
  }

  /**
   * From the controller configuration ({@code ACTIONS_GITHUB_ORG} / {@code
   * ACTIONS_GITHUB_ORG_URL}).
   */
  public static PlanningConfig from(ControllerConfig c) {
    return new PlanningConfig(c.actionsRepoBase(), ALLOWED_IMAGES);
  }

  /** The organisation: the last segment of {@link #actionsRepoBase()}. */
  public String actionsOrg() {
    return actionsRepoBase.substring(actionsRepoBase.lastIndexOf('/') + 1);
  }

  public boolean isLocal() {
    return actionsRepoBase.startsWith("/");
  }
}

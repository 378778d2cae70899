package org.rap.agent.executor;

import java.util.Optional;
import java.util.Set;

/**
 * The action names of a study's {@code project.yaml} at a commit, for the manifest's {@code
 * out_of_date_action} flags. Empty when unknown (the flags are then left alone, as the reference
 * does when the file cannot be read). Called on a worker thread; may block.
 */
@FunctionalInterface
public interface ProjectActions {
  ProjectActions UNKNOWN = (repoUrl, commit) -> Optional.empty();

  Optional<Set<String>> actionsAt(String repoUrl, String commit);
}

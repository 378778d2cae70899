package org.rap.agent.executor;

import java.nio.file.Path;

/**
 * Fetches a repository at a commit and writes its tree into a directory. Blocking; called on a
 * worker thread. A small seam so the JGit code can be swapped for the shared git module.
 */
public interface CodeCheckout {

  /**
   * Writes the tree of {@code commit} from {@code repoUrl} into {@code target} (created if needed;
   * existing files are overwritten).
   *
   * @throws Exception any failure; the executor reports it as {@code Could not checkout commit
   *     <sha> from <url>}
   */
  void checkout(String repoUrl, String commit, Path target) throws Exception;
}

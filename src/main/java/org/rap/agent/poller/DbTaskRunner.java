package org.rap.agent.poller;

import io.vertx.core.Future;
import java.util.List;
import java.util.Map;

/**
 * Runs the database utilities image once ({@code docker run --rm}) and returns its standard output.
 * Fails with {@link DbTaskException} for a non-zero exit (type {@code CalledProcessError}) or a
 * Docker problem.
 */
@FunctionalInterface
public interface DbTaskRunner {

  /**
   * @param image image as named in the task definition ({@code
   *     <DOCKER_REGISTRY>/tpp-database-utils:latest})
   * @param imageSha digest from the definition, or null
   * @param env environment for the container (DATABASE_URL); values never appear on a command line
   * @param network Docker network the container joins
   */
  Future<String> run(
      String image, String imageSha, List<String> args, Map<String, String> env, String network);
}

package org.rap.agent.executor;

import io.vertx.core.Future;
import java.util.List;
import java.util.Map;

/**
 * Runs the database utilities image once, in the hardened container of jobs, and returns its
 * standard output (docs/spec/agent-executor.md section 11). Fails with {@link DbTaskException} for
 * a non-zero exit (type {@code CalledProcessError}), an image that cannot be found or pulled (type
 * {@code ImageNotFound}) or a runtime problem. The agent's runner asks the executor verticle.
 */
@FunctionalInterface
public interface DbTaskRunner {

  /**
   * @param image image as named in the task definition ({@code
   *     <DOCKER_REGISTRY>/tpp-database-utils:latest})
   * @param imageSha digest from the definition, or null
   * @param env environment for the container (DATABASE_URL); values never appear on a command line
   * @param network the network the container joins (the database network, or {@code none})
   */
  Future<String> run(
      String image, String imageSha, List<String> args, Map<String, String> env, String network);
}

package org.rap.agent;

import io.vertx.core.Vertx;
import org.rap.agent.poller.GitRepoValidator;
import org.rap.common.git.GitService;
import org.rap.common.git.GitSettings;
import java.util.function.Consumer;
import org.rap.agent.executor.Executor;
import org.rap.agent.metrics.JobMetricsSource;
import org.rap.agent.poller.RepoValidator;
import org.rap.common.config.AgentConfig;

/**
 * The replaceable parts of the agent (tests and the lead's final wiring).
 *
 * @param executors builds the executor (default {@link Executors#create(Vertx, AgentConfig, JobMetricsSource)})
 * @param repoValidators study repository re-validation before prepare (default: the git rules)
 * @param onFatal called once when the controller rejects the token (default: nothing; the service
 *     runner exits the process non-zero)
 */
public record AgentWiring(
    ExecutorFactory executors, RepoValidatorFactory repoValidators, Consumer<String> onFatal) {

  @FunctionalInterface
  public interface ExecutorFactory {
    Executor create(Vertx vertx, AgentConfig config, JobMetricsSource metrics);
  }

  @FunctionalInterface
  public interface RepoValidatorFactory {
    RepoValidator create(Vertx vertx, AgentConfig config);
  }

  /** Docker executor and study-repository re-validation through the shared git layer. */
  public static AgentWiring defaults() {
    return new AgentWiring(
        Executors::create,
        (vertx, config) ->
            new GitRepoValidator(
                new GitService(vertx, GitSettings.forAgent(config.common(), config.backend()))),
        reason -> {});
  }

  public AgentWiring withOnFatal(Consumer<String> handler) {
    return new AgentWiring(executors, repoValidators, handler);
  }

  public AgentWiring withExecutors(ExecutorFactory factory) {
    return new AgentWiring(factory, repoValidators, onFatal);
  }

  public AgentWiring withRepoValidator(RepoValidator validator) {
    return new AgentWiring(executors, (vertx, config) -> validator, onFatal);
  }
}

package org.rap.agent;

import io.vertx.core.Vertx;
import java.util.function.Consumer;
import org.rap.agent.executor.Executor;
import org.rap.agent.metrics.JobMetricsSource;
import org.rap.agent.poller.RepoValidator;
import org.rap.common.config.AgentConfig;

/**
 * The replaceable parts of the agent (tests and the lead's final wiring).
 *
 * @param executors builds the executor (default {@link Executors#create(Vertx, AgentConfig, JobMetricsSource)})
 * @param repoValidator study repository re-validation before prepare (default: accept)
 * @param onFatal called once when the controller rejects the token (default: nothing; the service
 *     runner exits the process non-zero)
 */
public record AgentWiring(
    ExecutorFactory executors, RepoValidator repoValidator, Consumer<String> onFatal) {

  @FunctionalInterface
  public interface ExecutorFactory {
    Executor create(Vertx vertx, AgentConfig config, JobMetricsSource metrics);
  }

  public static AgentWiring defaults() {
    return new AgentWiring(Executors::create, RepoValidator.ACCEPT_ALL, reason -> {});
  }

  public AgentWiring withOnFatal(Consumer<String> handler) {
    return new AgentWiring(executors, repoValidator, handler);
  }

  public AgentWiring withExecutors(ExecutorFactory factory) {
    return new AgentWiring(factory, repoValidator, onFatal);
  }

  public AgentWiring withRepoValidator(RepoValidator validator) {
    return new AgentWiring(executors, validator, onFatal);
  }
}

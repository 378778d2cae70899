package org.rap.agent;

import io.vertx.core.Vertx;
import java.util.function.Consumer;
import org.rap.agent.executor.Executor;
import org.rap.agent.metrics.JobMetricsSource;
import org.rap.agent.poller.GitRepoValidator;
import org.rap.agent.poller.RepoValidator;
import org.rap.common.config.AgentConfig;
import org.rap.common.git.GitService;
import org.rap.common.git.GitSettings;
import org.rap.common.telemetry.Telemetry;

/**
 * The replaceable parts of the agent (tests and the lead's final wiring).
 *
 * @param executors builds the executor (default {@link Executors#create(Vertx, AgentConfig,
 *     JobMetricsSource)})
 * @param repoValidators study repository re-validation before prepare (default: the git rules)
 * @param onFatal called once when the controller rejects the token (default: nothing; the service
 *     runner exits the process non-zero)
 * @param telemetry where metrics (served on the agent's {@code /metrics}) and traces go
 */
public record AgentWiring(
    ExecutorFactory executors,
    RepoValidatorFactory repoValidators,
    Consumer<String> onFatal,
    Telemetry telemetry) {

  @FunctionalInterface
  public interface ExecutorFactory {
    Executor create(Vertx vertx, AgentConfig config, JobMetricsSource metrics);
  }

  @FunctionalInterface
  public interface RepoValidatorFactory {
    RepoValidator create(Vertx vertx, AgentConfig config);
  }

  /** Without telemetry (private metrics, no tracing). */
  public AgentWiring(
      ExecutorFactory executors, RepoValidatorFactory repoValidators, Consumer<String> onFatal) {
    this(executors, repoValidators, onFatal, Telemetry.none());
  }

  /** Docker executor and study-repository re-validation through the shared git layer. */
  public static AgentWiring defaults() {
    return defaults(Telemetry.none());
  }

  /** As {@link #defaults()}, with Docker and git calls timed into {@code telemetry}. */
  public static AgentWiring defaults(Telemetry telemetry) {
    return new AgentWiring(
        (vertx, config, metrics) -> Executors.create(vertx, config, metrics, telemetry),
        (vertx, config) ->
            new GitRepoValidator(
                new GitService(
                    vertx,
                    GitSettings.forAgent(config.common(), config.backend()),
                    telemetry.calls("git"))),
        reason -> {},
        telemetry);
  }

  public AgentWiring withOnFatal(Consumer<String> handler) {
    return new AgentWiring(executors, repoValidators, handler, telemetry);
  }

  public AgentWiring withExecutors(ExecutorFactory factory) {
    return new AgentWiring(factory, repoValidators, onFatal, telemetry);
  }

  public AgentWiring withRepoValidator(RepoValidator validator) {
    return new AgentWiring(executors, (vertx, config) -> validator, onFatal, telemetry);
  }
}

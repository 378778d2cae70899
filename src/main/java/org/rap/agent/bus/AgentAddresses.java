package org.rap.agent.bus;

/**
 * Every event-bus address of one agent, with the message each carries. The agent's verticles
 * (poller, executor, metrics) talk only through these; the prefix keeps two agents in one Vert.x
 * instance apart.
 *
 * <ul>
 *   <li>{@link #executor(ExecutorOp)}: requests to the executor verticle, one address per operation
 *       (request/reply; bodies and replies in {@link ExecutorOp});
 *   <li>{@link #runStarted()}: published by the executor when it finds a job's container running
 *       (body: the metrics' {@code RunningJob}), so the metrics verticle samples it;
 *   <li>{@link #runStopped()}: published by the executor when a job's container has stopped or is
 *       gone (body: the job id);
 *   <li>{@link #jobMetrics()}: asks the metrics verticle for a job's resource aggregates (body: the
 *       job id; reply: a {@code JsonObject}, empty when there are none), read at finalize.
 * </ul>
 */
public record AgentAddresses(String prefix) {

  /** The addresses of the agent named {@code name} (unique within its Vert.x instance). */
  public static AgentAddresses of(String name) {
    return new AgentAddresses("rap.agent." + name);
  }

  public String executor(ExecutorOp op) {
    return prefix + ".executor." + op.address();
  }

  public String runStarted() {
    return prefix + ".run.started";
  }

  public String runStopped() {
    return prefix + ".run.stopped";
  }

  public String jobMetrics() {
    return prefix + ".metrics.job";
  }
}

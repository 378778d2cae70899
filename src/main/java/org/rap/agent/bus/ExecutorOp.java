package org.rap.agent.bus;

import java.time.Duration;
import java.util.Locale;

/**
 * The requests the executor verticle answers (docs/spec/agent-executor.md sections 2 to 11), each
 * on its own address ({@link AgentAddresses#executor}). Job operations carry a job request and are
 * answered with the job's status; a failure is answered with the exception itself, so the caller
 * sees exactly what the executor threw (permanent or transient).
 *
 * <p>The executor bounds its own work (Docker calls, pulls, finalize retries), as it did when it
 * was called directly, so the requests wait as long as it needs: only a readiness check has a short
 * timeout. Waiting for a container's exit may take as long as the job runs.
 */
public enum ExecutorOp {
  /** Job request → {@code JobStatus}. */
  STATUS,
  PREPARE,
  EXECUTE,
  /** Job request with {@code cancelled} and {@code error} → {@code JobStatus}. */
  FINALIZE,
  TERMINATE,
  /** Job request → nothing. */
  CLEANUP,
  /** Job request → nothing, once the job's container no longer runs. */
  AWAIT_EXIT,
  /** Job request → nothing: the attempt's run and volume are gone, nothing was written. */
  ABANDON,
  /** Agent id → the runs it started that the runtime still has. */
  OWNED_RUNS,
  /** Files request → the names that could not be deleted. */
  DELETE_FILES,
  /** Database task request → the container's standard output. */
  DB_TASK,
  /** No body → nothing, when the container runtime answers. */
  READY(Duration.ofSeconds(30));

  /** Longer than anything the executor waits for itself. */
  private static final Duration UNBOUNDED = Duration.ofDays(30);

  private final Duration timeout;

  ExecutorOp() {
    this(null);
  }

  ExecutorOp(Duration timeout) {
    this.timeout = timeout;
  }

  /** How long a caller waits for the answer. */
  public Duration timeout() {
    return timeout == null ? UNBOUNDED : timeout;
  }

  String address() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}

/**
 * The agent's executor (docs/spec/agent-executor.md sections 2-11), in two halves.
 *
 * <p>{@link org.rap.agent.executor.Executor} is what a container runtime provides: its image, its
 * report of a job's run ({@link org.rap.agent.executor.JobRun}, found by job id), starting the
 * prepared job in the hardened container, the exit notification, the run's output, kill, removal,
 * database tasks, stats and readiness. The Docker executor ({@code docker}) implements it; the
 * Kubernetes one builds on {@code kubernetes}.
 *
 * <p>{@link org.rap.agent.executor.ExecutorLifecycle} is everything else, the same for every
 * runtime, behind {@link org.rap.agent.executor.JobLifecycle} (the steps task handling asks for):
 * state derivation from the run, {@code metadata.json} ({@link
 * org.rap.agent.executor.JobMetadataStore}) and the volume ({@code JobVolumes}), paths ({@link
 * org.rap.agent.executor.JobLayout}), preparation ({@code JobPreparer}: checkout through {@link
 * org.rap.agent.executor.CodeCheckout}, inputs, timestamp), database secrets ({@link
 * org.rap.agent.executor.DatabaseAccess}), finalization ({@code JobFinalizer}, {@link
 * org.rap.agent.executor.FinalizeMessages}, within {@link org.rap.agent.executor.FinalizeRetry})
 * and clean-up.
 *
 * <p>{@link org.rap.agent.executor.ExecutorVerticle} runs both in the agent and answers requests
 * over the event bus; {@link org.rap.agent.executor.ExecutorClient} asks them. Failures are {@link
 * org.rap.agent.executor.JobFailure} (permanent) or {@link org.rap.agent.executor.ExecutorRetry}
 * (transient).
 */
package org.rap.agent.executor;

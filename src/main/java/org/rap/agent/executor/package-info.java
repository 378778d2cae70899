/**
 * The agent's executor (docs/spec/agent-executor.md sections 2-9). {@link
 * org.rap.agent.executor.Executor} is the contract the task handling codes against; {@link
 * org.rap.agent.executor.DockerExecutor} implements it on docker-java, deriving every job's state
 * from its container {@code os-job-<id>}, its {@code metadata.json} ({@link
 * org.rap.agent.executor.JobMetadataStore}) and its volume directory ({@code JobVolumes}). Pieces:
 * {@link org.rap.agent.executor.DockerApi} (connection, raw inspect JSON, logs), {@link
 * org.rap.agent.executor.HardenedContainer} (the {@code docker run} flags), {@link
 * org.rap.agent.executor.ImageResolver} (local image or pull by digest), {@link
 * org.rap.agent.executor.CodeCheckout} / {@link org.rap.agent.executor.GitCodeCheckout} (git cache
 * and checkout), {@link org.rap.agent.executor.FinalizeMessages} (status message and hint), {@link
 * org.rap.agent.executor.ExecutorSettings} (configuration), {@link
 * org.rap.agent.executor.JobFinalizer} (finalizing a stopped job, executor-independent) within
 * {@link org.rap.agent.executor.FinalizeRetry} (bounded retries). Failures are {@link
 * org.rap.agent.executor.JobFailure} (permanent) or {@link org.rap.agent.executor.ExecutorRetry}
 * (transient).
 */
package org.rap.agent.executor;

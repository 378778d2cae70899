/**
 * The Docker executor ({@code EXECUTOR=docker}, docs/spec/agent-executor.md sections 4 step 2, 5.2,
 * 8 and 11): {@link org.rap.agent.executor.docker.DockerExecutor} on docker-java, with {@link
 * org.rap.agent.executor.docker.DockerApi} (the connection, raw inspect JSON, the wait API, logs),
 * {@link org.rap.agent.executor.docker.HardenedContainer} (the {@code docker run} flags of jobs and
 * database tasks), {@link org.rap.agent.executor.docker.ImageResolver} (local image or pull by
 * digest), and the runs, stats and database tasks. Only Docker things: everything else is the
 * shared lifecycle's.
 */
package org.rap.agent.executor.docker;

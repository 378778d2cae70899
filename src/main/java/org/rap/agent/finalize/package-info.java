/**
 * Finalizing a job, whatever executor ran it (docs/spec/agent-executor.md sections 6 and 7.3, and
 * docs/spec/agent-executor.md section 13): {@link org.rap.agent.finalize.OutputFiling} decides,
 * before anything is copied, whether the matched outputs can be filed at all (names, count, total
 * size) and then files them; {@link org.rap.agent.finalize.JobLogWriter} writes the job log from
 * the container's output streaming, secrets masked, through a {@link
 * org.rap.agent.finalize.TailFile} that keeps its end within {@code MAX_LOG_BYTES}.
 */
package org.rap.agent.finalize;

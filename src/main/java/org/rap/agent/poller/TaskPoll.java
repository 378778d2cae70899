package org.rap.agent.poller;

import java.util.List;
import org.rap.common.tasks.AgentTask;
import org.rap.common.tasks.TaskProtocol;

/**
 * One answer of {@code GET /<backend>/tasks/}: the active tasks and, when the controller supports
 * it, the version of that list ({@value TaskProtocol#VERSION_HEADER} header). Sending the version
 * back as {@code known} with {@code wait} makes the controller hold the request until the list
 * changes, even while tasks are active.
 */
public record TaskPoll(List<AgentTask> tasks, String version) {}

package org.rap.agent.poller;

import io.vertx.core.Future;
import org.rap.common.tasks.TaskUpdate;

/** Where task handlers post their state reports (the controller's task API). */
@FunctionalInterface
public interface UpdateSink {
  Future<Void> post(TaskUpdate update);
}

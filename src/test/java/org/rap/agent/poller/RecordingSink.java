package org.rap.agent.poller;

import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.rap.common.tasks.TaskUpdate;

/** Records the updates a handler posts. */
final class RecordingSink implements UpdateSink {
  final List<TaskUpdate> updates = new CopyOnWriteArrayList<>();
  volatile RuntimeException failNext;

  @Override
  public Future<Void> post(TaskUpdate update) {
    RuntimeException e = failNext;
    if (e != null) {
      failNext = null;
      return Future.failedFuture(e);
    }
    updates.add(update);
    return Future.succeededFuture();
  }

  /** "stage/complete" pairs, e.g. "preparing/false". */
  List<String> stages() {
    return updates.stream().map(u -> u.stage() + "/" + u.complete()).toList();
  }
}

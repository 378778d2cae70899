package org.rap.controller.planning;

import io.vertx.core.Future;

/**
 * Placeholder until the planning branch's creator is wired in ControllerVerticle: every create
 * answers "Error creating jobs" with an explanation.
 */
public final class NotWiredJobCreator implements JobCreator {
  @Override
  public Future<CreateOutcome> create(CreateRequest request) {
    return Future.failedFuture(new JobCreationException("job creation not wired"));
  }
}

package org.rap.controller.scheduler;

import io.vertx.core.Future;

/** Runs one scheduler pass ({@link Scheduler}; tests substitute their own). */
public interface PassRunner {
  Future<Scheduler.PassStats> runPass();
}

package org.rap.controller.scheduler;

import io.vertx.core.Future;

/** Runs one scheduler pass ({@link Scheduler}; tests substitute their own). */
public interface PassRunner {
  Future<Scheduler.PassStats> runPass();

  /**
   * Forget what earlier passes learnt: the next pass starts from a full read (the loop lock was
   * taken, another controller may have run passes meanwhile).
   */
  default void resync() {}
}

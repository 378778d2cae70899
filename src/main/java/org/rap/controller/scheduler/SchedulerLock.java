package org.rap.controller.scheduler;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.rap.controller.db.DatabaseTarget;

/**
 * The "one active scheduler" lock (docs/spec/operations.md section 1): held by the controller whose
 * loop runs; released by the database or the OS when that process dies, so a standby can take over.
 */
public interface SchedulerLock {
  /**
   * Tries once to take the lock: true when this process holds it afterwards, false when another
   * process does; fails when the database cannot be asked.
   */
  Future<Boolean> tryAcquire();

  /** Whether the lock is (still) held. */
  boolean isHeld();

  /** Releases the lock (idempotent). */
  Future<Void> release();

  /** What the lock is, for logs. */
  String describe();

  /** PostgreSQL advisory lock or a lock file next to the SQLite database. */
  static SchedulerLock forTarget(Vertx vertx, DatabaseTarget target) {
    return target.dialect() == DatabaseTarget.Dialect.POSTGRESQL
        ? new PgAdvisoryLock(vertx, target)
        : new FileSchedulerLock(
            vertx,
            target
                .sqliteFile()
                .resolveSibling(target.sqliteFile().getFileName() + ".scheduler.lock"));
  }
}

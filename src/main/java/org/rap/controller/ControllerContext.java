package org.rap.controller;

import org.rap.common.config.ControllerConfig;
import org.rap.common.telemetry.Telemetry;
import org.rap.controller.db.Database;
import org.rap.controller.db.FlagRepository;
import org.rap.controller.db.JobRepository;
import org.rap.controller.db.TaskRepository;
import org.rap.controller.scheduler.NewJobs;

/**
 * What the controller's verticles share: configuration, the pool, the repositories, telemetry and
 * the scheduler's inbox of jobs created in this process.
 */
public record ControllerContext(
    ControllerConfig config,
    Database db,
    JobRepository jobs,
    TaskRepository tasks,
    FlagRepository flags,
    Telemetry telemetry,
    NewJobs newJobs) {

  /** Without telemetry (private metrics, no tracing): the shape before telemetry existed. */
  public ControllerContext(
      ControllerConfig config,
      Database db,
      JobRepository jobs,
      TaskRepository tasks,
      FlagRepository flags) {
    this(config, db, jobs, tasks, flags, Telemetry.none(), new NewJobs());
  }

  /** With private metrics and no tracing (tests, operator commands). */
  public static ControllerContext of(ControllerConfig config, Database db) {
    return of(config, db, Telemetry.none());
  }

  public static ControllerContext of(ControllerConfig config, Database db, Telemetry telemetry) {
    return new ControllerContext(
        config,
        db,
        new JobRepository(),
        new TaskRepository(),
        new FlagRepository(),
        telemetry,
        new NewJobs());
  }
}

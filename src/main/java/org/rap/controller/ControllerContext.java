package org.rap.controller;

import org.rap.common.config.ControllerConfig;
import org.rap.controller.db.Database;
import org.rap.controller.db.FlagRepository;
import org.rap.controller.db.JobRepository;
import org.rap.controller.db.TaskRepository;

/** What the controller's verticles share: configuration, the pool and the repositories. */
public record ControllerContext(
    ControllerConfig config,
    Database db,
    JobRepository jobs,
    TaskRepository tasks,
    FlagRepository flags) {

  public static ControllerContext of(ControllerConfig config, Database db) {
    return new ControllerContext(
        config, db, new JobRepository(), new TaskRepository(), new FlagRepository());
  }
}

package org.rap.controller.manage;

import io.vertx.core.Vertx;
import org.rap.controller.ControllerContext;
import org.rap.controller.planning.DefaultJobCreator;
import org.rap.controller.planning.JobCreator;

/** Where {@code add-job} gets its {@link JobCreator}: the controller's own (planning branch). */
public final class JobCreators {
  private JobCreators() {}

  public static JobCreator create(Vertx vertx, ControllerContext ctx) {
    return DefaultJobCreator.forController(vertx, ctx);
  }
}

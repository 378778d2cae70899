package org.rap.controller.manage;

import io.vertx.core.Vertx;
import org.rap.common.pipeline.ProjectParser;
import org.rap.controller.ControllerContext;
import org.rap.controller.planning.DefaultJobCreator;
import org.rap.controller.planning.JobCreator;
import org.rap.controller.planning.PlanningConfig;

/** Where {@code add-job} gets its {@link JobCreator}: the controller's own (planning branch). */
public final class JobCreators {
  private JobCreators() {}

  public static JobCreator create(Vertx vertx, ControllerContext ctx) {
    return DefaultJobCreator.forController(
        vertx, ctx, ProjectParser.INSTANCE, PlanningConfig.from(ctx.config()));
  }
}

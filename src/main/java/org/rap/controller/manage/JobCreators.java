package org.rap.controller.manage;

import io.vertx.core.Vertx;
import org.rap.controller.ControllerContext;
import org.rap.controller.planning.JobCreator;

/**
 * Where {@code add-job} gets its {@link JobCreator}.
 *
 * <p>LEAD: wire the planning branch's {@code DefaultJobCreator} here once it is merged (e.g.
 * {@code return new DefaultJobCreator(vertx, ctx, ...)}). Until then add-job refuses clearly.
 */
public final class JobCreators {
  private JobCreators() {}

  public static JobCreator create(Vertx vertx, ControllerContext ctx) {
    throw new UnsupportedOperationException("job creation not wired");
  }
}

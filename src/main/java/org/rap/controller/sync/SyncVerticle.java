package org.rap.controller.sync;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.rap.controller.ControllerContext;
import org.rap.controller.api.rap.RapService;

/** Placeholder; see the full implementation. */
public final class SyncVerticle extends VerticleBase {
  private final ControllerContext ctx;
  private final RapService rap;

  public SyncVerticle(ControllerContext ctx, RapService rap) {
    this.ctx = ctx;
    this.rap = rap;
  }

  @Override
  public Future<?> start() {
    return Future.succeededFuture();
  }
}

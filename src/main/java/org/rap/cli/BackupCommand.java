package org.rap.cli;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.concurrent.Callable;
import org.rap.controller.manage.Snapshots;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code rap backup}: an online snapshot of the SQLite database into BACKUPS_PATH. */
@Command(
    name = "backup",
    aliases = "snapshot_database",
    mixinStandardHelpOptions = true,
    description = "Snapshot the controller's SQLite database into BACKUPS_PATH (keeps only the newest).")
public final class BackupCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConfigOption config;

  @Override
  public Integer call() {
    return ControllerCommands.run(spec, config, null, (vertx, ctx, out) ->
        Snapshots.snapshot(vertx, ctx.db(), ctx.config().backupsPath(), Instant.now())
            .map(path -> {
              out.println("Snapshot written to " + path);
              return 0;
            })
            .recover(e -> {
              if (e instanceof Snapshots.Refused) {
                spec.commandLine().getErr().println(e.getMessage());
                return Future.succeededFuture(1);
              }
              return Future.failedFuture(e);
            }));
  }
}

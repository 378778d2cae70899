package org.rap.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import org.rap.common.config.ConfigException;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Role;
import org.rap.common.config.Settings;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.manage.Restores;
import org.rap.controller.manage.Snapshots;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rap restore FILE [--force] [-y]}: replaces the configured database with a backup from
 * {@code rap backup}. Opens no pool on the database it replaces.
 */
@Command(
    name = "restore",
    mixinStandardHelpOptions = true,
    description = {
      "Replace the controller's database with a backup made by `rap backup`.",
      "SQLite: a db.snapshot_*.sqlite file, checked, migrated and renamed into place atomically",
      "(the old database is kept beside it, renamed to",
      "<db>.pre-restore_<UTC>Z.sqlite).",
      "PostgreSQL: a db.snapshot_*.pgdump file, restored with pg_restore in one transaction.",
      "Stop every controller process first (agents may keep running)."
    })
public final class RestoreCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConfigOption config;

  @Parameters(index = "0", paramLabel = "FILE", description = "The backup to restore.")
  Path file;

  @Option(
      names = "--force",
      description = "Restore even while a controller holds the scheduler lock.")
  boolean force;

  @Option(
      names = {"-y", "--yes"},
      description = "Do not ask for confirmation.")
  boolean yes;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    DatabaseTarget target;
    try {
      Settings settings = config.load(Role.CONTROLLER);
      ControllerConfig cc = ControllerConfig.from(settings);
      settings.throwIfInvalid();
      target = DatabaseTarget.of(cc.common());
    } catch (ConfigException | IllegalArgumentException e) {
      err.println(e.getMessage());
      err.flush();
      return 2;
    }
    if (!yes && System.console() == null) {
      err.println("Not asking for confirmation without a terminal: pass -y to restore.");
      err.flush();
      return 1;
    }
    if (!yes) {
      out.println("This replaces the " + target.describe() + " with " + file + ".");
      if (!ControllerCommands.confirm(out)) {
        return 1;
      }
    }
    try {
      out.print(Restores.restore(target, file.toAbsolutePath(), force, Instant.now()));
      out.println();
      return 0;
    } catch (Snapshots.Refused e) {
      err.println(e.getMessage());
      return 1;
    } catch (Exception e) {
      err.println(e.getMessage() == null ? e.toString() : e.getMessage());
      return 1;
    } finally {
      out.flush();
      err.flush();
    }
  }
}

package org.rap.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rap db-maintenance on|off BACKEND [--disable-checks]}. */
@Command(
    name = "db-maintenance",
    aliases = "db_maintenance",
    mixinStandardHelpOptions = true,
    description = "Put a backend's database into manual maintenance mode (on) or end it (off).")
public final class DbMaintenanceCommand implements Callable<Integer> {
  enum OnOff {
    on,
    off
  }

  @Spec CommandSpec spec;
  @Mixin ConfigOption config;

  @Parameters(
      index = "0",
      paramLabel = "on|off",
      description = "on: start manual maintenance; off: end it.")
  OnOff state;

  @Parameters(index = "1", paramLabel = "BACKEND", description = "Backend slug, one of BACKENDS.")
  String backend;

  @Option(names = "--disable-checks", description = "Also stop the DBSTATUS maintenance probes.")
  boolean disableChecks;

  @Override
  public Integer call() {
    String b = ControllerCommands.lower(backend);
    return ControllerCommands.flags(
        spec, config, b, f -> f.dbMaintenance(b, state == OnOff.on, disableChecks));
  }
}

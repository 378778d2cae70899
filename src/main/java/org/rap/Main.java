package org.rap;

import java.util.concurrent.Callable;
import org.rap.cli.MigrateCommand;
import org.rap.cli.RoleCommand;
import picocli.CommandLine;

/** Entry point of rap.jar: {@code --role=controller|agent|all} or an operator subcommand. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    org.rap.common.telemetry.Logging.configure();
    System.exit(execute(args));
  }

  /** Runs the command line and returns the exit status (2 for usage and configuration errors). */
  public static int execute(String... args) {
    return commandLine().execute(args);
  }

  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new RoleCommand());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.addSubcommand(new MigrateCommand());
    cl.addSubcommand(new org.rap.cli.RunCommand());
    cl.addSubcommand(new org.rap.cli.DemoCommand());
    cl.addSubcommand(new org.rap.cli.CheckProjectCommand());
    cl.addSubcommand(new org.rap.cli.PauseCommand());
    cl.addSubcommand(new org.rap.cli.DbMaintenanceCommand());
    cl.addSubcommand(new org.rap.cli.PrepareForRebootCommand());
    cl.addSubcommand(new org.rap.cli.FlagsCommand());
    cl.addSubcommand(new org.rap.cli.AddJobCommand());
    cl.addSubcommand(new org.rap.cli.BackupCommand());
    cl.addSubcommand(new org.rap.cli.RestoreCommand());
    return cl;
  }
}

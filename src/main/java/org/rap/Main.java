package org.rap;

import org.rap.cli.AddJobCommand;
import org.rap.cli.BackupCommand;
import org.rap.cli.CheckProjectCommand;
import org.rap.cli.CommandLineSetup;
import org.rap.cli.DbMaintenanceCommand;
import org.rap.cli.DemoCommand;
import org.rap.cli.FlagsCommand;
import org.rap.cli.MigrateCommand;
import org.rap.cli.PauseCommand;
import org.rap.cli.PrepareForRebootCommand;
import org.rap.cli.RestoreCommand;
import org.rap.cli.RoleCommand;
import org.rap.cli.RunCommand;
import org.rap.common.telemetry.Logging;
import picocli.CommandLine;

/** Entry point of rap.jar: {@code --role=controller|agent|all} or an operator subcommand. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    Logging.configure();
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
    cl.addSubcommand(new RunCommand());
    cl.addSubcommand(new DemoCommand());
    cl.addSubcommand(new CheckProjectCommand());
    cl.addSubcommand(new PauseCommand());
    cl.addSubcommand(new DbMaintenanceCommand());
    cl.addSubcommand(new PrepareForRebootCommand());
    cl.addSubcommand(new FlagsCommand());
    cl.addSubcommand(new AddJobCommand());
    cl.addSubcommand(new BackupCommand());
    cl.addSubcommand(new RestoreCommand());
    return CommandLineSetup.apply(cl);
  }
}

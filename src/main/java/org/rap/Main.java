package org.rap;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.rap.cli.AddJobCommand;
import org.rap.cli.AgentCommand;
import org.rap.cli.AgentsCommand;
import org.rap.cli.BackupCommand;
import org.rap.cli.CheckProjectCommand;
import org.rap.cli.CommandLineSetup;
import org.rap.cli.DbMaintenanceCommand;
import org.rap.cli.DemoCommand;
import org.rap.cli.FlagsCommand;
import org.rap.cli.ImagesCommand;
import org.rap.cli.KillJobCommand;
import org.rap.cli.ManifestCommand;
import org.rap.cli.MigrateCommand;
import org.rap.cli.PauseCommand;
import org.rap.cli.PrepareForRebootCommand;
import org.rap.cli.ReleaseAgentCommand;
import org.rap.cli.RestoreCommand;
import org.rap.cli.RoleCommand;
import org.rap.cli.RunCommand;
import org.rap.common.config.ConfigException;
import org.rap.common.json.CodecChoice;
import org.rap.common.telemetry.Logging;
import org.rap.local.LocalStart;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Entry point of rap.jar: {@code --role=controller|agent|all} or an operator subcommand. */
public final class Main {
  private Main() {}

  /** Subcommands by name, in the order {@code --help} lists them. */
  private static Map<String, Supplier<Object>> subcommands() {
    Map<String, Supplier<Object>> m = new LinkedHashMap<>();
    m.put("migrate", MigrateCommand::new);
    m.put("run", RunCommand::commandLine);
    m.put("demo", DemoCommand::new);
    m.put("check-project", CheckProjectCommand::new);
    m.put("pause", PauseCommand::new);
    m.put("db-maintenance", DbMaintenanceCommand::new);
    m.put("prepare-for-reboot", PrepareForRebootCommand::new);
    m.put("flags", FlagsCommand::new);
    m.put("agents", AgentsCommand::new);
    m.put("release-agent", ReleaseAgentCommand::new);
    m.put("add-job", AddJobCommand::new);
    m.put("backup", BackupCommand::new);
    m.put("restore", RestoreCommand::new);
    m.put("agent", AgentCommand::new);
    m.put("kill-job", KillJobCommand::new);
    m.put("manifest", ManifestCommand::new);
    m.put("images", ImagesCommand::new);
    return m;
  }

  public static void main(String[] args) {
    // `rap run` reaches Docker and starts Vert.x while logging is set up and picocli reads the
    // command line (their threads log nothing before the run begins)
    LocalStart headStart = null;
    if (startsRun(args)) {
      // a run writes and reads JSON documents only: no object mapper to set up (this process only)
      System.setProperty(CodecChoice.STREAMING_ONLY, "true");
      headStart = LocalStart.begin();
    }
    Logging.configure();
    System.exit(execute(headStart, args));
  }

  /** Runs the command line and returns the exit status (2 for usage and configuration errors). */
  public static int execute(String... args) {
    // `rap run` reaches Docker and starts Vert.x while picocli reads the command line
    return execute(startsRun(args) ? LocalStart.begin() : null, args);
  }

  private static int execute(LocalStart headStart, String... args) {
    try {
      return commandLine(headStart, args).execute(args);
    } finally {
      if (headStart != null) {
        headStart.close(); // when the run never began (usage error, --help)
      }
    }
  }

  /** {@code run}, to run actions (not to show its help). */
  static boolean startsRun(String... args) {
    if (args.length == 0 || !args[0].equals("run")) {
      return false;
    }
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h") || a.equals("--version") || a.equals("-V")) {
        return false;
      }
    }
    return true;
  }

  /** The whole command line, every subcommand included. */
  public static CommandLine commandLine() {
    return build(subcommands());
  }

  /**
   * The command line {@code args} need: when they name a subcommand, the root with that subcommand
   * alone (picocli reads every command's annotations when it is added, a cost a short command such
   * as {@code run} or {@code check-project} should not pay eleven times over; the top-level options
   * may only come before a subcommand, where they make this rule not apply); {@code --version}
   * needs no subcommand; anything else gets them all.
   */
  static CommandLine commandLine(String... args) {
    return commandLine(null, args);
  }

  private static CommandLine commandLine(LocalStart headStart, String... args) {
    Map<String, Supplier<Object>> all = subcommands();
    if (headStart != null) {
      return runOnly(headStart);
    }
    if (args.length > 0 && all.containsKey(args[0])) {
      return build(Map.of(args[0], all.get(args[0])));
    }
    if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
      return build(Map.of());
    }
    return build(all);
  }

  /** A configuration error is a usage error: its message (every problem) and exit status 2. */
  private static void configErrorsExit2(CommandLine cl) {
    cl.setExecutionExceptionHandler(
        (e, commandLine, parsed) -> {
          if (e instanceof ConfigException) {
            commandLine.getErr().println(e.getMessage());
            commandLine.getErr().flush();
            return 2;
          }
          throw e;
        });
  }

  /**
   * {@code rap run}, to run actions: under a root declared in code (a root's options only come
   * before a subcommand, so here it has none), as {@code run} is, so that picocli reads no
   * annotations on the way to the first job.
   */
  private static CommandLine runOnly(LocalStart headStart) {
    CommandLine cl = new CommandLine(CommandSpec.create().name("rap"));
    configErrorsExit2(cl);
    cl.addSubcommand(RunCommand.commandLine(headStart));
    return CommandLineSetup.apply(cl, false);
  }

  private static CommandLine build(Map<String, Supplier<Object>> subcommands) {
    CommandLine cl = new CommandLine(new RoleCommand());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    // --role=agent must stay the role although `agent` is also a subcommand (rap agent status)
    cl.setAllowSubcommandsAsOptionParameters(true);
    configErrorsExit2(cl);
    subcommands.values().forEach(s -> cl.addSubcommand(s.get()));
    return CommandLineSetup.apply(cl, true);
  }
}

package org.rap.cli;

import java.io.PrintWriter;
import org.rap.common.config.AgentConfig;
import org.rap.common.config.ConfigException;
import org.rap.common.config.Role;
import org.rap.common.config.Settings;
import org.rap.common.telemetry.Logging;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Shared plumbing of the agent-side operator commands ({@code kill-job}, {@code manifest}, {@code
 * agent status}, {@code images pull}): they run on the agent's host with the agent's configuration
 * (the same {@code --config}, {@code RAP_CONFIG} and environment), act on its Docker engine and
 * storage, and talk to the controller only over the task API, as the agent does.
 */
final class AgentCommands {
  /** A command body; returns the exit status. */
  interface Body {
    int run(AgentConfig config, PrintWriter out, PrintWriter err) throws Exception;
  }

  private AgentCommands() {}

  static int run(CommandSpec spec, ConfigOption config, Body body) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    AgentConfig ac;
    try {
      Settings settings = config.load(Role.AGENT);
      ac = AgentConfig.from(settings);
      settings.throwIfInvalid();
      Logging.configure(settings); // LOGLEVEL, LOG_FORMAT and the secrets of this configuration
    } catch (ConfigException | IllegalArgumentException e) {
      err.println(e.getMessage());
      err.flush();
      return 2;
    }
    try {
      return body.run(ac, out, err);
    } catch (Exception e) {
      err.println(e.getMessage() == null ? e.toString() : e.getMessage());
      return 1;
    } finally {
      out.flush();
      err.flush();
    }
  }

  /**
   * Asks for confirmation unless {@code yes}; refuses without a terminal (scripts pass {@code -y}).
   */
  static boolean confirmed(boolean yes, String action, PrintWriter out, PrintWriter err)
      throws Exception {
    if (yes) {
      return true;
    }
    if (System.console() == null) {
      err.println("Not asking for confirmation without a terminal: pass -y to " + action + ".");
      return false;
    }
    return ControllerCommands.confirm(out);
  }
}

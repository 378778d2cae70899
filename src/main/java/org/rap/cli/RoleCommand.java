package org.rap.cli;

import java.util.concurrent.Callable;
import org.rap.common.config.Role;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top-level {@code rap} command: runs a role, or dispatches to a subcommand. */
@Command(
    name = "rap",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "RAP: Reproducible Analytic Pipeline job runner (controller and agent).",
      "",
      "Run a service with --role, or an operator command (see Commands)."
    },
    footer = {
      "",
      "Roles:",
      "  controller  scheduler, task API for agents, RAP API for job-server (CONTROLLER_PORT, default 3000)",
      "  agent       polls the controller and runs jobs in Docker (AGENT_PORT, default 3001)",
      "  all         both in one JVM, for a laptop",
      "",
      "Configuration: the built-in defaults, then --config FILE (YAML, JSON, Java properties or",
      "KEY=value lines), then environment variables; any secret may be read from <NAME>_FILE.",
      "A controller needs strong tokens and CONTROLLER_ALLOWED_HOSTS; --role=all makes its own",
      "tokens. TLS: TLS_CERT_FILE and TLS_KEY_FILE (PEM). Configuration errors exit with status 2."
    })
public final class RoleCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--role",
      paramLabel = "ROLE",
      description = "Service to run: ${COMPLETION-CANDIDATES}.")
  Role role;

  @Mixin ConfigOption config;

  @Override
  public Integer call() {
    if (role == null) {
      throw new ParameterException(
          spec.commandLine(),
          "Missing --role: choose one of controller, agent, all (or run a subcommand; see --help)");
    }
    return ServiceRunner.run(role, config);
  }
}

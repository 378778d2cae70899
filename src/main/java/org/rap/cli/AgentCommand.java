package org.rap.cli;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;
import org.rap.agent.manage.AgentStatus;
import org.rap.agent.manage.AgentTools;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rap agent status}: the agent host's view of its jobs. */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    description = "Operator commands of the agent's host.",
    subcommands = {AgentCommand.Status.class})
public final class AgentCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 2;
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = {
        "What this agent runs: the backend's active tasks with each job's state and container,",
        "leftovers (job containers and volumes no active task explains, old temporary checkouts)",
        "and free storage. Read-only; run it with the agent's configuration."
      })
  static final class Status implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigOption config;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      return AgentCommands.run(
          spec,
          config,
          (ac, out, err) -> {
            try (AgentTools tools = AgentTools.open(ac)) {
              JsonObject report = new AgentStatus(tools).report();
              if (json) {
                out.println(report.encodePrettily());
              } else {
                AgentStatus.text(report).forEach(out::println);
              }
              return report.getBoolean("controller_reachable") ? 0 : 1;
            }
          });
    }
  }
}

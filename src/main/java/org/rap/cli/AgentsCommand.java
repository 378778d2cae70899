package org.rap.cli;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.rap.controller.db.AgentRepository.AgentRow;
import org.rap.controller.fleet.TaskLeases;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rap agents [--backend B]}: the named agents of each backend and what they hold. */
@Command(
    name = "agents",
    mixinStandardHelpOptions = true,
    description =
        "List the agents of each backend: id, capacity, running jobs, leases held, when last seen"
            + " and whether they are live (seen within TASK_LEASE_SECONDS) or lost.")
public final class AgentsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConfigOption config;

  @Option(
      names = "--backend",
      paramLabel = "BACKEND",
      description = "Only this backend's agents, one of BACKENDS.")
  String backend;

  @Override
  public Integer call() {
    String b = ControllerCommands.lower(backend);
    return ControllerCommands.run(
        spec,
        config,
        b,
        (vertx, ctx, out) -> {
          TaskLeases leases = new TaskLeases(ctx.db(), ctx.tasks(), ctx.config().taskLease());
          return leases
              .agents()
              .map(
                  rows -> {
                    List<AgentRow> shown =
                        rows.stream().filter(r -> b == null || r.backend().equals(b)).toList();
                    if (shown.isEmpty()) {
                      out.println(
                          "No agents with an id have polled"
                              + (b == null ? "" : " backend " + b)
                              + " yet.");
                      return 0;
                    }
                    String format = "%-12s %-30s %8s %8s %7s  %-24s %s%n";
                    out.printf(
                        format,
                        "BACKEND",
                        "AGENT",
                        "CAPACITY",
                        "RUNNING",
                        "LEASES",
                        "LAST SEEN",
                        "STATE");
                    for (AgentRow r : shown) {
                      out.printf(
                          format,
                          r.backend(),
                          r.id(),
                          r.capacity(),
                          r.runningTasks(),
                          r.leases(),
                          Instant.ofEpochMilli(r.lastSeenMs()).toString(),
                          leases.live(r.lastSeenMs()) ? "live" : "lost");
                    }
                    return 0;
                  });
        });
  }
}

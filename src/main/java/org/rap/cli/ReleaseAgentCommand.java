package org.rap.cli;

import io.vertx.core.Future;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.rap.common.model.TaskType;
import org.rap.controller.db.AgentRepository.AgentRow;
import org.rap.controller.db.TaskLeaseRepository.Expired;
import org.rap.controller.fleet.TaskLeases;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rap release-agent ID [--backend B]}: ends every lease of an agent known to be gone, at
 * once, instead of after {@code TASK_LEASE_SECONDS}.
 */
@Command(
    name = "release-agent",
    mixinStandardHelpOptions = true,
    description = {
      "End every lease of an agent at once (for a host known to be dead): its jobs get a new"
          + " attempt on the backend's other agents, its other tasks go to them, and any update it"
          + " still sends is refused.",
      "If the agent is in fact alive, it stops those jobs and removes their containers."
    })
public final class ReleaseAgentCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConfigOption config;

  @Parameters(index = "0", paramLabel = "ID", description = "The agent's AGENT_ID.")
  String agentId;

  @Option(
      names = "--backend",
      paramLabel = "BACKEND",
      description = "The agent's backend (needed when two backends have agents of that id).")
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
          return leases.agents().compose(rows -> release(leases, rows, b, out));
        });
  }

  private Future<Integer> release(
      TaskLeases leases, List<AgentRow> rows, String b, PrintWriter out) {
    List<String> backends =
        rows.stream()
            .filter(r -> r.id().equals(agentId) && (b == null || r.backend().equals(b)))
            .map(AgentRow::backend)
            .toList();
    if (backends.isEmpty()) {
      out.println(
          "No agent '" + agentId + "'" + (b == null ? "" : " in backend " + b) + " has polled.");
      return Future.succeededFuture(1);
    }
    if (backends.size() > 1) {
      out.println(
          "Agents '"
              + agentId
              + "' exist in backends "
              + String.join(", ", backends)
              + ": name one with --backend.");
      return Future.succeededFuture(2);
    }
    String backend = backends.get(0);
    return leases
        .release(backend, agentId)
        .map(
            ended -> {
              long jobs = ended.stream().filter(e -> e.type() == TaskType.RUNJOB).count();
              out.println(
                  "Released "
                      + ended.size()
                      + " lease(s) of agent "
                      + agentId
                      + " of backend "
                      + backend
                      + ": "
                      + jobs
                      + " job(s) get a new attempt, "
                      + (ended.size() - jobs)
                      + " other task(s) go to the other agents.");
              for (Expired e : ended) {
                out.println("  " + e.type().value() + " " + e.id());
              }
              return 0;
            });
  }
}

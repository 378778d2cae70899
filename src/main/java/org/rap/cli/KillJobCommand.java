package org.rap.cli;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.rap.agent.manage.AgentTools;
import org.rap.agent.manage.KillJob;
import org.rap.common.tasks.AgentTask;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rap kill-job JOB_ID [--retry|--fail] [-y]}, on the agent's host. */
@Command(
    name = "kill-job",
    aliases = "kill_task",
    mixinStandardHelpOptions = true,
    description = {
      "Kill a job's container on this agent's host, remove it and its volume, and report the",
      "outcome to the controller as the agent would. --retry (default): the job runs again with",
      "a new task. --fail: the job fails (nonzero_exit, 'Job killed by OpenSAFELY admin or memory",
      "limits'). Run it with the agent's configuration; asks before acting unless -y."
    })
public final class KillJobCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConfigOption config;

  @Parameters(
      index = "0",
      paramLabel = "JOB_ID",
      description = "The job id, or a part of it that matches one job only.")
  String partialId;

  static final class Outcome {
    @Option(names = "--retry", description = "Run the job again with a new task (default).")
    boolean retry;

    @Option(names = "--fail", description = "Fail the job.")
    boolean fail;
  }

  @ArgGroup(exclusive = true)
  Outcome outcome;

  @Option(
      names = {"-y", "--yes"},
      description = "Do not ask for confirmation.")
  boolean yes;

  @Override
  public Integer call() {
    KillJob.Mode mode = outcome != null && outcome.fail ? KillJob.Mode.FAIL : KillJob.Mode.RETRY;
    if (partialId == null || partialId.isBlank() || !partialId.matches("[A-Za-z0-9_-]+")) {
      spec.commandLine()
          .getErr()
          .println("JOB_ID must be letters, digits, '-' or '_': '" + partialId + "'");
      return 2;
    }
    return AgentCommands.run(
        spec,
        config,
        (ac, out, err) -> {
          try (AgentTools tools = AgentTools.open(ac)) {
            KillJob kill = new KillJob(tools);
            List<AgentTask> tasks = tools.activeTasks();
            List<KillJob.Target> found = kill.find(partialId, tasks);
            if (found.isEmpty()) {
              err.println(
                  "No job matches '"
                      + partialId
                      + "': no os-job-* container on this host and no active task of backend "
                      + ac.backend());
              return 1;
            }
            if (found.size() > 1) {
              err.println("Several jobs match '" + partialId + "'; give more of the id:");
              found.forEach(t -> err.println("  " + t.describe()));
              return 1;
            }
            KillJob.Target target = found.get(0);
            Optional<AgentTask> cancelling = KillJob.cancellation(target.jobId(), tasks);
            if (cancelling.isPresent()) {
              err.println(
                  "Job "
                      + target.jobId()
                      + " is being cancelled already (task "
                      + cancelling.get().id()
                      + "): the agent stops it.");
              return 1;
            }
            out.println("About to kill " + target.describe());
            out.println(
                mode == KillJob.Mode.RETRY
                    ? "and report it to the controller so that it runs again with a new task."
                    : "and report it to the controller as failed.");
            if (!AgentCommands.confirmed(yes, "kill the job", out, err)) {
              return 1;
            }
            kill.kill(target, mode).forEach(out::println);
            return 0;
          }
        });
  }
}

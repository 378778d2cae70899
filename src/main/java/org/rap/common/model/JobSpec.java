package org.rap.common.model;

import java.util.List;
import java.util.Map;

/**
 * What a job is, fixed when it is created (docs/spec/job-model.md section 2): nothing here changes
 * afterwards. The changing part of a job is its {@link JobStatus}.
 *
 * @param createdAt UNIX seconds
 */
public record JobSpec(
    String id,
    String rapId,
    String backend,
    String workspace,
    String action,
    long createdAt,
    Source source,
    Run run,
    Needs needs,
    Origin origin) {

  /**
   * The code the job runs: the study repository at a commit and, for a reusable action, the
   * action's repository at its commit (both null otherwise).
   */
  public record Source(
      String repoUrl, String commit, String branch, String actionRepoUrl, String actionCommit) {}

  /**
   * How the job runs.
   *
   * @param runCommand the action's {@code run:} line (image, then arguments)
   * @param outputSpec {@code {privacy_level: {output_name: glob}}}
   * @param analysisScope the permission object for database actions, {@code {}} otherwise
   */
  public record Run(
      String runCommand,
      Map<String, Map<String, String>> outputSpec,
      boolean requiresDb,
      String databaseName,
      Map<String, Object> analysisScope) {}

  /**
   * What the job depends on: the actions whose outputs it reads and the jobs it waits for.
   *
   * @param requiresOutputsFrom action names
   * @param waitForJobIds job ids
   */
  public record Needs(List<String> requiresOutputsFrom, List<String> waitForJobIds) {
    public Needs {
      requiresOutputsFrom = List.copyOf(requiresOutputsFrom);
      waitForJobIds = List.copyOf(waitForJobIds);
    }

    public static Needs none() {
      return new Needs(List.of(), List.of());
    }
  }

  /** Who asked for the job, and the trace of the request it was created in. */
  public record Origin(
      String user, String project, List<String> orgs, Map<String, String> traceContext) {
    public Origin {
      orgs = List.copyOf(orgs);
    }
  }

  /** This spec running a reusable action: its repository, commit and rewritten run command. */
  public JobSpec withReusableAction(String actionRepoUrl, String actionCommit, String runCommand) {
    return new JobSpec(
        id,
        rapId,
        backend,
        workspace,
        action,
        createdAt,
        new Source(source.repoUrl(), source.commit(), source.branch(), actionRepoUrl, actionCommit),
        new Run(
            runCommand,
            run.outputSpec(),
            run.requiresDb(),
            run.databaseName(),
            run.analysisScope()),
        needs,
        origin);
  }
}

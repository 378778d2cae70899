package org.rap.cli;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.GitCodeCheckout;
import org.rap.agent.manage.ManifestRepairs;
import org.rap.common.config.AgentConfig;
import org.rap.common.pipeline.ProjectParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rap manifest repair|out-of-date}: manifest repairs on the agent's host. */
@Command(
    name = "manifest",
    mixinStandardHelpOptions = true,
    description = "Repair a workspace's manifest in medium-privacy storage (agent host).",
    subcommands = {ManifestCommand.Repair.class, ManifestCommand.OutOfDate.class})
public final class ManifestCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 2;
  }

  static ManifestRepairs repairs(AgentConfig ac) {
    ExecutorSettings settings = ExecutorSettings.from(ac);
    GitCodeCheckout git = GitCodeCheckout.from(settings, ProjectParser.INSTANCE);
    return new ManifestRepairs(
        settings,
        new ManifestRepairs.Study() {
          @Override
          public Optional<Set<String>> actionsAt(String repoUrl, String commit) {
            return git.actionsAt(repoUrl, commit);
          }

          @Override
          public String commitOf(String repoUrl, String branch) throws Exception {
            return git.commitOf(repoUrl, branch);
          }
        });
  }

  @Command(
      name = "repair",
      aliases = "update_manifest_for_old_job",
      mixinStandardHelpOptions = true,
      description = {
        "Add the outputs of an old job that the workspace's manifest lacks. Existing entries are"
            + " kept, and the manifest is first saved to a backup copy beside it, named after the"
            + " job. Each new entry is marked out_of_date_output when the job's action is"
            + " still in the project file at the tip of BRANCH, else out_of_date_action."
      })
  static final class Repair implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigOption config;

    @Parameters(index = "0", paramLabel = "WORKSPACE", description = "Workspace to repair.")
    String workspace;

    @Parameters(index = "1", paramLabel = "JOB_ID", description = "Full or partial job id.")
    String jobId;

    @Parameters(index = "2", paramLabel = "BRANCH", description = "The workspace's branch.")
    String branch;

    @Option(
        names = "--repo",
        paramLabel = "URL",
        description = "Study repository (default: the one the manifest's entries name).")
    String repo;

    @Override
    public Integer call() {
      return AgentCommands.run(
          spec,
          config,
          (ac, out, err) -> {
            try {
              repairs(ac).addOldJob(workspace, jobId, branch, repo).forEach(out::println);
              return 0;
            } catch (ManifestRepairs.Refused e) {
              err.println(e.getMessage());
              return 1;
            }
          });
    }
  }

  @Command(
      name = "out-of-date",
      aliases = "update_manifest_out_of_date_actions",
      mixinStandardHelpOptions = true,
      description = {
        "Recompute every entry's out_of_date_action flag from the project file at COMMIT of"
            + " REPO_URL: true when its action is no longer there, false when it is."
      })
  static final class OutOfDate implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigOption config;

    @Parameters(index = "0", paramLabel = "WORKSPACE", description = "Workspace to repair.")
    String workspace;

    @Parameters(
        index = "1",
        paramLabel = "REPO_URL",
        description = "Study repository whose project file lists the actions.")
    String repoUrl;

    @Parameters(
        index = "2",
        paramLabel = "COMMIT",
        description = "Commit of REPO_URL whose project file is read.")
    String commit;

    @Override
    public Integer call() {
      return AgentCommands.run(
          spec,
          config,
          (ac, out, err) -> {
            try {
              repairs(ac).markOutOfDateActions(workspace, repoUrl, commit).forEach(out::println);
              return 0;
            } catch (ManifestRepairs.Refused e) {
              err.println(e.getMessage());
              return 1;
            }
          });
    }
  }
}

package org.rap.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.Callable;
import org.rap.controller.ControllerContext;
import org.rap.controller.manage.AddJob;
import org.rap.controller.manage.JobCreators;
import org.rap.controller.planning.CreateRequest;
import org.rap.controller.planning.JobCreationException;
import org.rap.controller.planning.JobCreator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rap add-job REPO ACTIONS... --backend B}: create jobs locally (development). */
@Command(
    name = "add-job",
    aliases = "add_job",
    mixinStandardHelpOptions = true,
    description = "Create jobs for actions of a repository, as job-server's create request would.")
public final class AddJobCommand implements Callable<Integer> {
  /** How the command obtains its JobCreator (tests substitute a fake). */
  interface CreatorFactory {
    JobCreator create(Vertx vertx, ControllerContext ctx);
  }

  private final CreatorFactory creatorFactory;

  public AddJobCommand() {
    this(JobCreators::create);
  }

  AddJobCommand(CreatorFactory creatorFactory) {
    this.creatorFactory = creatorFactory;
  }

  @Spec CommandSpec spec;
  @Mixin ConfigOption config;

  @Parameters(
      index = "0",
      paramLabel = "REPO_URL",
      description = "The study repository: its https URL, or the absolute path of a local clone.")
  String repoUrl;

  @Parameters(
      index = "1..*",
      arity = "1..*",
      paramLabel = "ACTION",
      description = "Actions to run, as in project.yaml (or run_all).")
  List<String> actions;

  @Option(
      names = "--backend",
      required = true,
      paramLabel = "BACKEND",
      description = "Backend to run the jobs on, one of BACKENDS.")
  String backend;

  @Option(
      names = "--workspace",
      defaultValue = "test",
      paramLabel = "NAME",
      description = "Workspace of the jobs (default: ${DEFAULT-VALUE}).")
  String workspace;

  @Option(
      names = "--branch",
      defaultValue = "main",
      paramLabel = "BRANCH",
      description = "Branch of the repository (default: ${DEFAULT-VALUE}).")
  String branch;

  @Option(
      names = "--commit",
      paramLabel = "SHA",
      description = "Commit to run (default: the local clone's HEAD, or the branch's head).")
  String commit;

  @Option(
      names = "--database",
      defaultValue = "default",
      paramLabel = "NAME",
      description = "Database the actions may use (default: ${DEFAULT-VALUE}).")
  String database;

  @Option(
      names = {"-f", "--force-run-dependencies"},
      description = "Run dependencies again even when they succeeded before.")
  boolean force;

  @Override
  public Integer call() {
    String b = ControllerCommands.lower(backend);
    return ControllerCommands.run(
        spec,
        config,
        b,
        (vertx, ctx, out) -> {
          AddJob.Options o =
              new AddJob.Options(repoUrl, actions, b, workspace, branch, commit, database, force);
          CreateRequest request = AddJob.request(o, AddJob.resolveCommit(o));
          JobCreator creator = creatorFactory.create(vertx, ctx);
          return new AddJob(creator)
              .run(request, out)
              .map(0)
              .recover(
                  e -> {
                    if (e instanceof JobCreationException) {
                      out.flush();
                      spec.commandLine().getErr().println(e.getMessage());
                      return Future.succeededFuture(1);
                    }
                    return Future.failedFuture(e);
                  });
        });
  }
}

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

  @Parameters(index = "0", paramLabel = "REPO_URL")
  String repoUrl;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "ACTION")
  List<String> actions;

  @Option(names = "--backend", required = true)
  String backend;

  @Option(names = "--workspace", defaultValue = "test")
  String workspace;

  @Option(names = "--branch", defaultValue = "main")
  String branch;

  @Option(
      names = "--commit",
      description = "Commit SHA (default: the checkout's current commit, or the branch head)")
  String commit;

  @Option(names = "--database", defaultValue = "default")
  String database;

  @Option(names = {"-f", "--force-run-dependencies"})
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

package org.rap.cli;

import io.vertx.core.Future;
import java.util.concurrent.Callable;
import org.rap.controller.manage.RebootPreparation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rap prepare-for-reboot --backend B [--status] [-y]}. */
@Command(
    name = "prepare-for-reboot",
    aliases = "prepare_for_reboot",
    mixinStandardHelpOptions = true,
    description =
        "Pause a backend and reset its running jobs (killing their containers) before a reboot.")
public final class PrepareForRebootCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConfigOption config;

  @Option(
      names = "--backend",
      required = true,
      paramLabel = "BACKEND",
      description = "Backend to prepare, one of BACKENDS.")
  String backend;

  @Option(
      names = {"-s", "--status"},
      description = "Only report whether it is safe to reboot.")
  boolean status;

  @Option(
      names = {"-y", "--skip-confirm"},
      description = "Do not ask for confirmation.")
  boolean yes;

  @Override
  public Integer call() throws Exception {
    String b = ControllerCommands.lower(backend);
    if (!status && !yes) {
      var out = spec.commandLine().getOut();
      out.print(RebootPreparation.warning(b));
      out.println();
      if (!ControllerCommands.confirm(out)) {
        return 1;
      }
    }
    return ControllerCommands.run(
        spec,
        config,
        b,
        (vertx, ctx, out) -> {
          RebootPreparation r = new RebootPreparation(ctx);
          Future<Void> f = status ? r.status(b, out) : r.prepare(b, out);
          return f.map(0);
        });
  }
}

package org.rap.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rap pause on|off BACKEND}. */
@Command(
    name = "pause",
    mixinStandardHelpOptions = true,
    description =
        "Pause (on) or unpause (off) a backend: no new jobs start while paused; running jobs continue.")
public final class PauseCommand implements Callable<Integer> {
  enum OnOff {
    on,
    off
  }

  @Spec CommandSpec spec;
  @Mixin ConfigOption config;

  @Parameters(index = "0", paramLabel = "on|off", description = "on or off")
  OnOff state;

  @Parameters(index = "1", paramLabel = "BACKEND", description = "Backend slug, one of BACKENDS.")
  String backend;

  @Override
  public Integer call() {
    String b = ControllerCommands.lower(backend);
    return ControllerCommands.flags(spec, config, b, f -> f.pause(b, state == OnOff.on));
  }
}

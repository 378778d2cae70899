package org.rap.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rap flags get [FLAG...] --backend B} and {@code rap flags set FLAG=[VALUE]... --backend
 * B}.
 */
@Command(
    name = "flags",
    mixinStandardHelpOptions = true,
    description = "Show or change backend flags (paused, mode, manual-db-maintenance, ...).")
public final class FlagsCommand implements Callable<Integer> {
  enum Action {
    get,
    set
  }

  @Spec CommandSpec spec;
  @Mixin ConfigOption config;

  @Parameters(
      index = "0",
      paramLabel = "get|set",
      description = "get: print flags; set: change them.")
  Action action;

  @Parameters(
      index = "1..*",
      paramLabel = "FLAG[=VALUE]",
      arity = "0..*",
      description = {
        "get: the flags to print (default: all of the backend's).",
        "set: FLAG=VALUE pairs; an empty VALUE clears the flag."
      })
  List<String> flags = new ArrayList<>();

  @Option(
      names = "--backend",
      required = true,
      paramLabel = "BACKEND",
      description = "Backend whose flags to read or change, one of BACKENDS.")
  String backend;

  @Option(
      names = "--create",
      description = "Accepted for compatibility: migrations create the flags table.")
  boolean create;

  @Override
  public Integer call() {
    String b = ControllerCommands.lower(backend);
    Map<String, String> values = new LinkedHashMap<>();
    if (action == Action.set) {
      for (String f : flags) {
        int eq = f.indexOf('=');
        if (eq < 0) {
          throw new ParameterException(
              spec.commandLine(), "set must have for " + f + "=value, not just " + f);
        }
        values.put(f.substring(0, eq), f.substring(eq + 1));
      }
    }
    return ControllerCommands.flags(
        spec, config, b, f -> action == Action.get ? f.get(b, flags) : f.set(b, values));
  }
}

package org.rap.cli;

import java.io.PrintWriter;
import java.util.LinkedHashSet;
import java.util.Set;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionStrategy;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.RunLast;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * What every command of {@code rap} shares, applied once to the whole tree after the commands are
 * registered: help that fits the terminal, a {@code completion} command (picocli's bash completion
 * generator), and an unknown subcommand reported as such (exit 2, with the nearest commands) even
 * when {@code --help} follows it, where picocli alone would print the parent's help and exit 0.
 */
public final class CommandLineSetup {
  /** Help width when the terminal's cannot be read (a pipe, a CI log). */
  static final int DEFAULT_WIDTH = 100;

  private CommandLineSetup() {}

  /** As {@link #apply(CommandLine, boolean)} with the {@code completion} command. */
  public static CommandLine apply(CommandLine root) {
    return apply(root, true);
  }

  /** Applies it all to {@code root}, with a {@code completion} command if {@code completion}. */
  public static CommandLine apply(CommandLine root, boolean completion) {
    if (completion) {
      CommandLine generate = new CommandLine(new AutoComplete.GenerateCompletion());
      generate.getCommandSpec().usageMessage().hidden(false);
      root.addSubcommand("completion", generate);
    }
    root.setUsageHelpWidth(DEFAULT_WIDTH);
    root.setUsageHelpAutoWidth(true);
    IParameterExceptionHandler standard = root.getParameterExceptionHandler();
    root.setParameterExceptionHandler(
        (ex, args) -> {
          if (unknownCommand(ex)) {
            return reportUnknown((UnmatchedArgumentException) ex);
          }
          return standard.handleParseException(ex, args);
        });
    IExecutionStrategy run = new RunLast();
    root.setExecutionStrategy(
        parsed -> {
          // with --help picocli records an unmatched argument instead of throwing it
          for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (!p.unmatched().isEmpty() && !p.commandSpec().subcommands().isEmpty()) {
              UnmatchedArgumentException ex =
                  new UnmatchedArgumentException(p.commandSpec().commandLine(), p.unmatched());
              if (unknownCommand(ex)) {
                return reportUnknown(ex);
              }
            }
          }
          return run.execute(parsed);
        });
    return root;
  }

  /** An argument where a subcommand was expected, that names none. */
  private static boolean unknownCommand(ParameterException ex) {
    return ex instanceof UnmatchedArgumentException u
        && !u.isUnknownOption()
        && !u.getUnmatched().isEmpty()
        && !u.getCommandLine().getSubcommands().isEmpty();
  }

  private static int reportUnknown(UnmatchedArgumentException ex) {
    CommandLine cmd = ex.getCommandLine();
    PrintWriter err = cmd.getErr();
    String path = qualifiedName(cmd);
    err.println(path + ": unknown command '" + ex.getUnmatched().get(0) + "'");
    // by primary name: an alias (add_job for add-job) is the same suggestion
    Set<String> suggestions = new LinkedHashSet<>();
    for (String s : ex.getSuggestions()) {
      suggestions.add(path + " " + cmd.getSubcommands().get(s).getCommandName());
    }
    if (!suggestions.isEmpty()) {
      err.println("Did you mean: " + String.join(" or ", suggestions) + "?");
    }
    err.println("Run '" + path + " --help' for the list of commands.");
    err.flush();
    return cmd.getCommandSpec().exitCodeOnInvalidInput();
  }

  private static String qualifiedName(CommandLine cmd) {
    return cmd.getCommandSpec().qualifiedName(" ");
  }
}

package org.rap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.Main;
import org.rap.cli.CheckProjectCommandTest.Run;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The command line as an operator meets it: help for every command (walked from the registered
 * tree, so commands added later are held to the same rules), unknown commands, and the bash
 * completion script; each through {@link Main} with real arguments.
 */
class CommandLineHelpTest {
  @TempDir Path dir;

  /** Every command of the tree once (aliases share a CommandLine). */
  private static List<CommandLine> allCommands() {
    List<CommandLine> out = new ArrayList<>();
    collect(Main.commandLine(), out, new IdentityHashMap<>());
    return out;
  }

  private static void collect(
      CommandLine cmd, List<CommandLine> out, Map<CommandLine, Boolean> seen) {
    if (seen.put(cmd, true) != null) {
      return;
    }
    out.add(cmd);
    for (CommandLine sub : cmd.getSubcommands().values()) {
      collect(sub, out, seen);
    }
  }

  private static List<ArgSpec> arguments(CommandSpec spec) {
    List<ArgSpec> args = new ArrayList<>(spec.options());
    args.addAll(spec.positionalParameters());
    return args;
  }

  private static String name(ArgSpec a) {
    return a.isOption() ? ((OptionSpec) a).longestName() : a.paramLabel();
  }

  /** A default worth showing: given in the annotation or the field, and not a false flag. */
  private static String shownDefault(ArgSpec a) {
    Object initial = a.defaultValue() != null ? a.defaultValue() : a.initialValue();
    if (initial == null
        || initial instanceof Boolean
        || (initial instanceof Collection<?> c && c.isEmpty())) {
      return null;
    }
    return String.valueOf(initial);
  }

  @Test
  void everyCommandOptionAndParameterHasADescriptionWithItsDefault() {
    List<String> problems = new ArrayList<>();
    List<CommandLine> commands = allCommands();
    assertTrue(commands.size() >= 13, "the walk found " + commands.size() + " commands");
    for (CommandLine cmd : commands) {
      CommandSpec spec = cmd.getCommandSpec();
      String where = spec.qualifiedName(" ");
      if (String.join("", spec.usageMessage().description()).isBlank()) {
        problems.add(where + ": no description");
      }
      for (ArgSpec a : arguments(spec)) {
        String text = String.join(" ", a.renderedDescription());
        if (text.isBlank()) {
          problems.add(where + " " + name(a) + ": no description");
          continue;
        }
        String def = shownDefault(a);
        if (def != null && !text.contains(def)) {
          problems.add(where + " " + name(a) + ": default '" + def + "' not shown in: " + text);
        }
      }
    }
    assertEquals(List.of(), problems);
  }

  /** Help at widths from picocli's narrowest automatic one to a wide terminal. */
  @Test
  void helpNeverBreaksAWord() {
    List<String> problems = new ArrayList<>();
    for (int width : new int[] {55, 80, 120}) {
      for (CommandLine cmd : allCommands()) {
        cmd.setUsageHelpAutoWidth(false);
        cmd.setUsageHelpWidth(width);
        String help = cmd.getUsageMessage(CommandLine.Help.Ansi.OFF);
        for (String line : help.split("\n")) {
          if (line.length() > width) {
            problems.add(width + " " + cmd.getCommandSpec().qualifiedName(" ") + ": " + line);
          }
        }
        Set<String> shown = new HashSet<>(Arrays.asList(help.split("\\s+")));
        for (String word : words(cmd)) {
          if (!shown.contains(word)) {
            problems.add(
                width + " " + cmd.getCommandSpec().qualifiedName(" ") + ": '" + word + "' broken");
          }
        }
      }
    }
    assertEquals(List.of(), problems);
  }

  /** The words of every text the command's help shows. */
  private static Set<String> words(CommandLine cmd) {
    CommandSpec spec = cmd.getCommandSpec();
    List<String> texts = new ArrayList<>();
    texts.addAll(Arrays.asList(spec.usageMessage().description()));
    texts.addAll(Arrays.asList(spec.usageMessage().footer()));
    for (ArgSpec a : arguments(spec)) {
      if (!a.hidden()) {
        texts.addAll(Arrays.asList(a.renderedDescription()));
      }
    }
    for (CommandLine sub : cmd.getSubcommands().values()) {
      String[] d = sub.getCommandSpec().usageMessage().description();
      if (!sub.getCommandSpec().usageMessage().hidden() && d.length > 0) {
        texts.add(d[0]);
      }
    }
    Set<String> words = new HashSet<>();
    for (String t : texts) {
      for (String w : String.format(t.replace("%n", "\n")).split("\\s+")) {
        if (!w.isEmpty() && !w.contains("${")) {
          words.add(w);
        }
      }
    }
    return words;
  }

  @Test
  void anUnknownCommandExitsTwoWithASuggestionEvenWithHelp() {
    for (String[] argv :
        List.of(
            new String[] {"pauze", "on", "tpp"},
            new String[] {"pauze", "--help"},
            new String[] {"--config", "x.yaml", "pauze"})) {
      Run r = CheckProjectCommandTest.run(argv);
      assertEquals(2, r.exit(), String.join(" ", argv) + "\n" + r.out() + r.err());
      assertEquals(
          "rap: unknown command 'pauze'\n"
              + "Did you mean: rap pause or rap prepare-for-reboot?\n"
              + "Run 'rap --help' for the list of commands.\n",
          r.err(),
          String.join(" ", argv));
      assertEquals("", r.out(), "no help printed");
    }
    Run nothingLike = CheckProjectCommandTest.run("zzzz", "--help");
    assertEquals(2, nothingLike.exit());
    assertTrue(nothingLike.err().startsWith("rap: unknown command 'zzzz'\n"), nothingLike.err());
    assertTrue(nothingLike.err().endsWith("Run 'rap --help' for the list of commands.\n"));
    // a subcommand's stray argument and an unknown option keep picocli's own messages
    Run stray = CheckProjectCommandTest.run("pause", "on", "tpp", "extra");
    assertEquals(2, stray.exit());
    assertTrue(stray.err().startsWith("Unmatched argument at index 3: 'extra'"), stray.err());
    Run option = CheckProjectCommandTest.run("--nosuch");
    assertEquals(2, option.exit());
    assertTrue(option.err().startsWith("Unknown option: '--nosuch'"), option.err());
  }

  @Test
  void helpOfAKnownCommandShowsItsDefaults() {
    Run r = CheckProjectCommandTest.run("add-job", "--help");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().startsWith("Usage: rap add-job"), r.out());
    assertTrue(r.out().contains("(default: main)"), r.out());
    assertTrue(r.out().contains("(default: test)"), r.out());
    Run top = CheckProjectCommandTest.run("--help");
    assertEquals(0, top.exit());
    assertTrue(top.out().contains("  completion"), top.out());
  }

  @Test
  void completionPrintsABashScriptThatCompletesCommandsAndOptions() throws Exception {
    Run r = CheckProjectCommandTest.run("completion");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().startsWith("#!/usr/bin/env bash"), r.out());
    assertTrue(r.out().contains("complete -F _complete_rap"), r.out());
    for (String command : List.of("migrate", "add-job", "db-maintenance", "restore")) {
      assertTrue(r.out().contains(command), command);
    }
    assertFalse(r.out().contains("Exception"), r.out());
    Path script = dir.resolve("rap-completion.bash");
    Files.writeString(script, r.out());
    assertEquals("pause", complete(script, "rap", "pa"));
    assertEquals("--backend --branch", complete(script, "rap", "add-job", "--b"));
  }

  /** What bash completes for the last word, with the script sourced. */
  private static String complete(Path script, String... words) throws Exception {
    String line = String.join(" ", words);
    String cmd =
        "source '"
            + script
            + "' 2>/dev/null; COMP_WORDS=("
            + line
            + "); COMP_CWORD="
            + (words.length - 1)
            + "; COMP_LINE='"
            + line
            + "'; COMP_POINT="
            + line.length()
            + "; _complete_rap 2>/dev/null; echo \"${COMPREPLY[@]}\"";
    Process p = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return out;
  }
}

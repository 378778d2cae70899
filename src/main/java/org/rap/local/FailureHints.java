package org.rap.local;

/** What to try after a failed action, from how its container ended. */
final class FailureHints {
  private FailureHints() {}

  static String hint(Integer exitCode, boolean oomKilled, LocalRunner.Options options) {
    if (exitCode == null) {
      return null;
    }
    if (oomKilled) {
      return "The job ran out of memory (limit "
          + options.memory()
          + " per job). Give it more with --memory (e.g. --memory "
          + bigger(options.memory())
          + "), or run one action at a time with -c 1."
          + " Docker Desktop has a memory limit of its own (Settings > Resources).";
    }
    if (exitCode == 137) {
      return "The job was killed (SIGKILL, exit code 137) without running out of its memory"
          + " limit: the machine itself may be short of memory; try -c 1.";
    }
    if (exitCode == 126 || exitCode == 127) {
      return "The command could not be started (exit code "
          + exitCode
          + "): check the `run:` line of the action in project.yaml.";
    }
    return null;
  }

  private static String bigger(String memory) {
    String m = memory.strip().toUpperCase();
    try {
      char unit = Character.isLetter(m.charAt(m.length() - 1)) ? m.charAt(m.length() - 1) : 'B';
      String number = Character.isLetter(unit) && unit != 'B' ? m.substring(0, m.length() - 1) : m;
      double n = Double.parseDouble(number.replaceAll("[^0-9.]", ""));
      double twice = n * 2;
      String text =
          twice == Math.rint(twice) ? String.valueOf((long) twice) : String.valueOf(twice);
      return text + (unit == 'B' ? "" : String.valueOf(unit));
    } catch (RuntimeException e) {
      return "8G";
    }
  }
}

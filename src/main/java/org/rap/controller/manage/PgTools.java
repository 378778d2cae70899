package org.rap.controller.manage;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.rap.controller.db.DatabaseTarget;

/**
 * The PostgreSQL client tools ({@code pg_dump}, {@code pg_restore}) run as child processes for a
 * {@link DatabaseTarget}. The password goes in {@code PGPASSWORD}, never on the command line; the
 * connection is given as {@code -h -p -U -d}, with {@code -w} so a tool never prompts. Blocking.
 */
final class PgTools {
  /** Where Debian installs the versioned binaries when they are not on PATH. */
  static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");

  /** What a finished tool run left behind. */
  record Result(int exitCode, String stdout, String stderr) {
    boolean ok() {
      return exitCode == 0;
    }
  }

  private PgTools() {}

  /**
   * The named tool from PATH, else the highest version under {@code /usr/lib/postgresql/<v>/bin}.
   *
   * @throws Snapshots.Refused naming the tool and how to install it when it is nowhere
   */
  static Path find(String tool) throws Snapshots.Refused {
    return find(tool, System.getenv("PATH"), DEBIAN_ROOT);
  }

  static Path find(String tool, String path, Path debianRoot) throws Snapshots.Refused {
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        if (dir.isEmpty()) {
          continue;
        }
        Path p = Path.of(dir, tool);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          return p;
        }
      }
    }
    Optional<Path> debian = debianBinary(tool, debianRoot);
    if (debian.isPresent()) {
      return debian.get();
    }
    throw new Snapshots.Refused(
        tool
            + " not found on PATH or in "
            + debianRoot
            + "/*/bin: install the PostgreSQL client tools (Debian: apt-get install"
            + " postgresql-client) in the version of the server or newer.");
  }

  private static Optional<Path> debianBinary(String tool, Path root) {
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    List<Path> candidates = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(root)) {
      for (Path v : s) {
        Path p = v.resolve("bin").resolve(tool);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          candidates.add(p);
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return candidates.stream().max(Comparator.comparing(PgTools::versionOf));
  }

  private static double versionOf(Path binary) {
    try {
      return Double.parseDouble(binary.getParent().getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * {@code -h H -p P -U U -d 'dbname=DB sslmode=...' -w}: where and how to connect, with the URI's
   * parameters (TLS above all) as libpq keywords, without the password.
   */
  static List<String> connectionArgs(DatabaseTarget t) {
    List<String> args = new ArrayList<>(List.of("-h", t.host(), "-p", Integer.toString(t.port())));
    if (t.user() != null) {
      args.add("-U");
      args.add(t.user());
    }
    args.add("-d");
    args.add(t.libpqConnInfo());
    args.add("-w");
    return args;
  }

  /** Runs a tool to completion; stdout and stderr go through temporary files (no pipe stalls). */
  static Result run(DatabaseTarget t, List<String> command)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("rap-pg-out", ".txt");
    Path err = Files.createTempFile("rap-pg-err", ".txt");
    try {
      ProcessBuilder pb = new ProcessBuilder(command);
      Map<String, String> env = pb.environment();
      if (t != null && t.password() != null) {
        env.put("PGPASSWORD", t.password());
      } else {
        env.remove("PGPASSWORD");
      }
      env.putIfAbsent("PGCONNECT_TIMEOUT", "10");
      pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      pb.redirectOutput(out.toFile());
      pb.redirectError(err.toFile());
      int code = pb.start().waitFor();
      return new Result(
          code,
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8).strip());
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}

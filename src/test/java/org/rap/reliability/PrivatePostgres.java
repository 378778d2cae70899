package org.rap.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.rap.it.JarProcess;

/**
 * A PostgreSQL server of the test's own (initdb into a temporary directory, its own port), so the
 * test can stop and start it without touching the cluster other tests use. As root, the server runs
 * as the {@code postgres} user (PostgreSQL refuses to run as root).
 */
final class PrivatePostgres implements AutoCloseable {
  private final Path dir;
  private final Path bin;
  private final int port;
  private final boolean asPostgresUser;

  private PrivatePostgres(Path dir, Path bin, int port, boolean asPostgresUser) {
    this.dir = dir;
    this.bin = bin;
    this.port = port;
    this.asPostgresUser = asPostgresUser;
  }

  /** initdb, start, and a database {@code rap} (owner {@code rap}, password {@code rap}). */
  static PrivatePostgres start() throws Exception {
    Path bin = findBin();
    Assumptions.assumeTrue(bin != null, "no PostgreSQL server binaries (initdb, pg_ctl)");
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory("rap-private-pg");
    if (root) {
      exec(List.of("chown", "postgres", dir.toString()), false);
    }
    PrivatePostgres pg = new PrivatePostgres(dir, bin, JarProcess.freePort(), root);
    pg.run(
        List.of(
            bin.resolve("initdb").toString(),
            "-D",
            dir.resolve("data").toString(),
            "-U",
            "rap",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync"));
    pg.startServer();
    pg.run(
        List.of(
            bin.resolve("psql").toString(),
            "-h",
            "127.0.0.1",
            "-p",
            String.valueOf(pg.port),
            "-U",
            "rap",
            "-d",
            "postgres",
            "-c",
            "CREATE DATABASE rap"));
    return pg;
  }

  private static Path findBin() throws IOException {
    Path base = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(base)) {
      return null;
    }
    try (Stream<Path> versions = Files.list(base)) {
      return versions
          .map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max(Comparator.naturalOrder())
          .orElse(null);
    }
  }

  /** The URL for {@code DATABASE_URL}. */
  String url() {
    return "postgresql://rap:rap@127.0.0.1:" + port + "/rap";
  }

  /** The JDBC URL (user {@code rap}, password {@code rap}). */
  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/rap";
  }

  /** {@code pg_ctl stop -m fast}: sessions are terminated, new connections refused. */
  void stopServer() throws Exception {
    run(List.of(bin.resolve("pg_ctl").toString(), "-D", data(), "-m", "fast", "-w", "stop"));
  }

  /** {@code pg_ctl start}, returning once the server accepts connections. */
  void startServer() throws Exception {
    run(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D",
            data(),
            "-l",
            dir.resolve("server.log").toString(),
            "-o",
            "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off",
            "-w",
            "start"));
  }

  private String data() {
    return dir.resolve("data").toString();
  }

  private void run(List<String> command) throws Exception {
    List<String> cmd = new ArrayList<>();
    if (asPostgresUser) {
      cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    cmd.addAll(command);
    exec(cmd, true);
  }

  private static void exec(List<String> cmd, boolean inTmp) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (inTmp) {
      pb.directory(Path.of(System.getProperty("java.io.tmpdir")).toFile());
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
    }
  }

  @Override
  public void close() {
    try {
      run(List.of(bin.resolve("pg_ctl").toString(), "-D", data(), "-m", "immediate", "stop"));
    } catch (Exception e) {
      // already stopped
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not remove " + dir + ": " + e);
    }
  }
}

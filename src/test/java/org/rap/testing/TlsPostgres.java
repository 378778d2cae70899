package org.rap.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private PostgreSQL 15 server for one test class: its own data directory (initdb), a random
 * loopback port, TLS with a server certificate for {@code localhost} signed by a CA made here with
 * openssl, and a {@code pg_hba.conf} that accepts only TLS connections with a password. The shared
 * test server is never touched. Runs as the {@code postgres} system user when the tests run as root
 * (initdb refuses root).
 */
public final class TlsPostgres implements AutoCloseable {
  public static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
  public static final String USER = "tlsuser";
  public static final String PASSWORD = "tls-pass";

  public final Path dir;
  public final Path ca;
  public final Path otherCa;
  public final int port;
  private final Path data;
  private final boolean asPostgres;

  private TlsPostgres(Path dir, Path ca, Path otherCa, int port, boolean asPostgres) {
    this.dir = dir;
    this.ca = ca;
    this.otherCa = otherCa;
    this.port = port;
    this.data = dir.resolve("data");
    this.asPostgres = asPostgres;
  }

  public static boolean available() {
    return Files.isExecutable(BIN.resolve("initdb"))
        && Files.isExecutable(Path.of("/usr/bin/openssl"));
  }

  public static TlsPostgres start() throws Exception {
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory("rap-tls-pg");
    TlsPostgres pg =
        new TlsPostgres(dir, dir.resolve("ca.pem"), dir.resolve("other-ca.pem"), freePort(), root);
    try {
      pg.certificates();
      pg.initdb();
      pg.configure();
      pg.run(
          List.of(
              BIN.resolve("pg_ctl").toString(),
              "-D",
              pg.data.toString(),
              "-w",
              "-t",
              "60",
              "-l",
              dir.resolve("server.log").toString(),
              "start"));
      return pg;
    } catch (Exception | AssertionError e) {
      pg.close();
      throw e;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** A CA, a server certificate for DNS name {@code localhost} only, and an unrelated CA. */
  private void certificates() throws Exception {
    selfSignedCa("RAP test CA", dir.resolve("ca.key"), ca);
    selfSignedCa("Unrelated CA", dir.resolve("other-ca.key"), otherCa);
    Path key = dir.resolve("server.key");
    Path csr = dir.resolve("server.csr");
    openssl("req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout " + key + " -out " + csr);
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=DNS:localhost\n");
    openssl(
        "x509 -req -days 2 -CAcreateserial -in "
            + csr
            + " -CA "
            + ca
            + " -CAkey "
            + dir.resolve("ca.key")
            + " -extfile "
            + dir.resolve("san.ext")
            + " -out "
            + dir.resolve("server.crt"));
  }

  private void selfSignedCa(String name, Path key, Path cert) throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"));
    cmd.addAll(List.of("-subj", "/CN=" + name, "-keyout", key.toString(), "-out", cert.toString()));
    openssl(cmd.toArray(String[]::new));
  }

  private void initdb() throws Exception {
    Path pw = dir.resolve("pw.txt");
    Files.writeString(pw, PASSWORD + "\n");
    if (asPostgres) {
      run(List.of("chown", "-R", "postgres", dir.toString()));
    }
    run(
        List.of(
            BIN.resolve("initdb").toString(),
            "-D",
            data.toString(),
            "-U",
            USER,
            "--pwfile=" + pw,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-sync"));
  }

  private void configure() throws Exception {
    Files.writeString(
        data.resolve("postgresql.conf"),
        String.join(
            "\n",
            "",
            "listen_addresses = 'localhost'",
            "port = " + port,
            "unix_socket_directories = '" + dir + "'",
            "ssl = on",
            "ssl_cert_file = '" + dir.resolve("server.crt") + "'",
            "ssl_key_file = '" + dir.resolve("server.key") + "'",
            "fsync = off",
            "shared_buffers = 16MB",
            "max_connections = 30",
            ""),
        StandardOpenOption.APPEND);
    // TLS only: a connection that does not use it is rejected, so each success proves TLS
    Files.writeString(
        data.resolve("pg_hba.conf"),
        String.join(
            "\n",
            "local all all trust",
            "hostssl all all 127.0.0.1/32 scram-sha-256",
            "hostssl all all ::1/128 scram-sha-256",
            "hostnossl all all 0.0.0.0/0 reject",
            "hostnossl all all ::/0 reject",
            ""));
    if (asPostgres) {
      run(List.of("chown", "-R", "postgres", dir.toString()));
    }
    run(List.of("chmod", "600", dir.resolve("server.key").toString()));
  }

  /** {@code postgresql://tlsuser:pw@HOST:PORT/postgres?QUERY}. */
  public String url(String host, String query) {
    return "postgresql://"
        + USER
        + ":"
        + PASSWORD
        + "@"
        + host
        + ":"
        + port
        + "/postgres"
        + (query.isEmpty() ? "" : "?" + query);
  }

  /** openssl with the arguments; one string is split at spaces (no argument here has one). */
  private void openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/openssl"));
    if (args.length == 1) {
      cmd.addAll(List.of(args[0].split(" ")));
    } else {
      cmd.addAll(List.of(args));
    }
    exec(cmd);
  }

  /** A PostgreSQL binary, as the postgres user when we are root. */
  private void run(List<String> cmd) throws Exception {
    if (asPostgres && cmd.get(0).startsWith(BIN.toString())) {
      List<String> as = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
      as.addAll(cmd);
      exec(as);
    } else {
      exec(cmd);
    }
  }

  private void exec(List<String> cmd) throws Exception {
    Path log = Files.createTempFile("rap-tls-pg-cmd", ".log");
    try {
      Process p =
          new ProcessBuilder(cmd)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("timed out: " + cmd);
      }
      if (p.exitValue() != 0) {
        throw new IOException(
            cmd
                + " exited "
                + p.exitValue()
                + ":\n"
                + Files.readString(log, StandardCharsets.UTF_8)
                + serverLog());
      }
    } finally {
      Files.deleteIfExists(log);
    }
  }

  public String serverLog() {
    try {
      Path log = dir.resolve("server.log");
      return Files.exists(log) ? "\nserver log:\n" + Files.readString(log) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** Stops the server (fast shutdown) and removes its directory. */
  @Override
  public void close() throws Exception {
    try {
      if (Files.exists(data.resolve("postmaster.pid"))) {
        run(
            List.of(
                BIN.resolve("pg_ctl").toString(),
                "-D",
                data.toString(),
                "-m",
                "fast",
                "-w",
                "stop"));
      }
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}

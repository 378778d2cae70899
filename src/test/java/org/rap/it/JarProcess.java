package org.rap.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@code target/rap.jar} as a separate process, as an operator would. */
public final class JarProcess implements AutoCloseable {
  static final Path JAR = Path.of(System.getProperty("rap.jar", "target/rap.jar"));
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  public final Process process;
  public final Path log;

  private JarProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** An environment with {@code WORKDIR} and the given key/value pairs. */
  static Map<String, String> env(Path workdir, String... kv) {
    Map<String, String> env = new HashMap<>();
    env.put("WORKDIR", workdir.toString());
    for (int i = 0; i < kv.length; i += 2) {
      env.put(kv[i], kv[i + 1]);
    }
    return env;
  }

  /** Runs to completion; returns exit status and combined output. */
  public static Result run(Map<String, String> env, String... args) throws Exception {
    try (JarProcess p = start(env, args)) {
      if (!p.process.waitFor(120, TimeUnit.SECONDS)) {
        throw new AssertionError("rap.jar did not finish: " + List.of(args));
      }
      return new Result(p.process.exitValue(), p.output());
    }
  }

  public static JarProcess start(Map<String, String> env, String... args) throws IOException {
    return start(List.of(), env, args);
  }

  /** As {@link #start(Map, String...)}, with options for the JVM before {@code -jar}. */
  public static JarProcess start(List<String> jvmOptions, Map<String, String> env, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of("java"));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment()
        .keySet()
        .removeIf(k -> k.startsWith("RAP_") || k.equals("DATABASE_URL") || k.equals("WORKDIR"));
    pb.environment().putAll(env);
    Path log = Files.createTempFile("rap-it", ".log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    return new JarProcess(pb.start(), log);
  }

  public String output() throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  /** Polls a URL until it answers {@code status} or the process dies; returns the last status. */
  public int awaitStatus(String url, int status, Duration max) throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    int last = -1;
    while (System.nanoTime() < deadline && process.isAlive()) {
      last = status(url);
      if (last == status) {
        return last;
      }
      Thread.sleep(50);
    }
    return last;
  }

  static int status(String url) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  /** The status of a GET with {@code Authorization: token}, or -1. */
  static int status(String url, String token) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create(url))
                  .header("Authorization", token)
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  static String body(String url) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** SIGTERM, then the exit status. */
  public int terminate() throws Exception {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("did not stop within 60 s after SIGTERM:\n" + output());
    }
    return process.exitValue();
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  public record Result(int exit, String output) {}
}

package org.rap.local;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.rap.agent.executor.docker.DockerApi;
import org.rap.common.model.JobIds;

/**
 * What a local run needs before its first job and a fresh process takes a while to set up: the
 * Docker engine reached ({@link DockerPreflight}) and Vert.x started, each on a thread of its own
 * from the moment the command line names {@code run}, so both come up while the command line is
 * parsed and the study read and planned. Closing it closes both and waits (a bounded while) until
 * Vert.x has stopped: a JVM that exits while one of its threads waits in native code (an event loop
 * in epoll) first waits 300 ms for it.
 */
public final class LocalStart implements AutoCloseable {
  private final CompletableFuture<DockerApi> docker;
  private final CompletableFuture<Vertx> vertx;
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Future<Void> vertxClosed;

  private LocalStart(CompletableFuture<DockerApi> docker, CompletableFuture<Vertx> vertx) {
    this.docker = docker;
    this.vertx = vertx;
  }

  /** Starts reaching {@code host} (a {@code DOCKER_HOST} value) and Vert.x. */
  public static LocalStart begin(String host) {
    CompletableFuture<DockerApi> docker = new CompletableFuture<>();
    startThread(
        () -> {
          DockerApi d;
          try {
            d = DockerPreflight.connect(host);
          } catch (Throwable e) { // whatever it is, the run must hear of it, not wait forever
            docker.completeExceptionally(e);
            return;
          }
          docker.complete(d);
          // while the study is read and planned: Vert.x's JSON mapping (the study's state file is
          // the first JSON read, a container create the first JSON written)
          warmJson();
        });
    CompletableFuture<Vertx> vertx = new CompletableFuture<>();
    startThread(
        () -> {
          try {
            vertx.complete(Vertx.vertx(options()));
          } catch (Throwable e) { // whatever it is, the run must hear of it, not wait forever
            vertx.completeExceptionally(e);
            return;
          }
          // the run's id, drawn first thing by the runner: seeding the secure random generator
          // takes a fresh process over 10 ms, done here while the study is read
          JobIds.newRapId();
        });
    return new LocalStart(docker, vertx);
  }

  /** As {@link #begin(String)}, for {@code DOCKER_HOST} or the local socket. */
  public static LocalStart begin() {
    return begin(DockerApi.dockerHost());
  }

  /**
   * One event loop; no file cache or class-path resolving (a run reads no resources through
   * Vert.x's file system), whose set-up a fresh process would pay for.
   */
  private static VertxOptions options() {
    return new VertxOptions()
        .setEventLoopPoolSize(1)
        .setFileSystemOptions(
            new FileSystemOptions()
                .setFileCachingEnabled(false)
                .setClassPathResolvingEnabled(false));
  }

  private static void warmJson() {
    try {
      new JsonObject("{\"a\":[1,2.5,\"b\",true,null,{\"c\":{}}]}").encode();
    } catch (RuntimeException e) {
      // only a warm-up
    }
  }

  private static void startThread(Runnable r) {
    Thread t = new Thread(r, "rap-run-start");
    t.setDaemon(true);
    t.start();
  }

  /**
   * The engine's connection, once it answered; fails with {@link DockerPreflight.DockerUnavailable}
   * (as the cause of a {@link CompletionException}) saying why Docker cannot be used.
   */
  public DockerApi docker() {
    return docker.join();
  }

  public Vertx vertx() {
    return vertx.join();
  }

  /** Starts closing both (the run is over); {@link #close} waits for Vert.x to stop. */
  public void beginClose() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    docker.thenAccept(LocalStart::closeQuietly);
    try {
      vertxClosed = vertx.get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS).close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // Vert.x never came up
    }
  }

  @Override
  public void close() {
    beginClose();
    Future<Void> f = vertxClosed;
    if (f == null) {
      return;
    }
    try {
      f.await(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // not stopped in time: the process ends anyway
    }
  }

  private static void closeQuietly(DockerApi d) {
    try {
      d.close();
    } catch (IOException | RuntimeException e) {
      // the run is over
    }
  }
}

package org.rap.agent.executor;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.rap.agent.executor.docker.DockerApi;

/** Shared set-up of the real-Docker executor tests: containers are removed after each test. */
abstract class DockerTestBase {
  static Vertx vertx;
  static DockerApi docker;

  @TempDir Path base;
  ExecutorFixture fx;
  ExecutorLifecycle executor;

  @BeforeAll
  static void connect() {
    vertx = Vertx.vertx();
    docker = DockerApi.connect();
  }

  @AfterAll
  static void disconnect() throws Exception {
    docker.close();
    vertx.close().await();
  }

  @BeforeEach
  void setUp() throws Exception {
    fx = new ExecutorFixture(vertx, docker, base);
    executor = fx.executor();
  }

  @AfterEach
  void tearDown() {
    fx.close();
  }

  /** The failure of {@code f}, of the given type (searched along the cause chain). */
  static <T extends Throwable> T failure(Class<T> type, Future<?> f) {
    try {
      f.await();
    } catch (Throwable t) {
      for (Throwable x = t; x != null; x = x.getCause()) {
        if (type.isInstance(x)) {
          return type.cast(x);
        }
      }
      throw new AssertionError("unexpected failure", t);
    }
    throw new AssertionError("expected a " + type.getSimpleName());
  }

  static Map<String, String> spec(String... patternsAndLevels) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < patternsAndLevels.length; i += 2) {
      m.put(patternsAndLevels[i], patternsAndLevels[i + 1]);
    }
    return m;
  }
}

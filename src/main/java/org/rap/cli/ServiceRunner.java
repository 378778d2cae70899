package org.rap.cli;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import org.rap.agent.AgentVerticle;
import org.rap.agent.AgentWiring;
import org.rap.common.config.AgentConfig;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Role;
import org.rap.common.config.Settings;
import org.rap.common.telemetry.Logging;
import org.rap.common.telemetry.Telemetry;
import org.rap.common.telemetry.TelemetryConfig;
import org.rap.controller.ControllerVerticle;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.db.Migrations;
import sun.misc.Signal;

/** Runs a role until SIGTERM or SIGINT, then shuts down gracefully and exits 0. */
final class ServiceRunner {
  private static final Logger LOG = Logger.getLogger(ServiceRunner.class.getName());

  private ServiceRunner() {}

  static int run(Role role, ConfigOption configOption) {
    Settings settings;
    ControllerConfig controller = null;
    AgentConfig agent = null;
    TelemetryConfig telemetryConfig;
    try {
      settings = configOption.load(role);
      if (role.runsController()) {
        controller = ControllerConfig.from(settings);
      }
      if (role.runsAgent()) {
        agent = AgentConfig.from(settings);
      }
      telemetryConfig = TelemetryConfig.from(settings, role.value());
      settings.throwIfInvalid();
      if (controller != null) {
        Migrations.requireUpToDate(DatabaseTarget.of(controller.common()));
      }
    } catch (RuntimeException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    String version = (controller != null ? controller.common() : agent.common()).version();
    Telemetry telemetry = Telemetry.create(telemetryConfig.withVersion(version));
    Logging.configure(settings);
    Vertx vertx = telemetry.newVertx();
    Duration grace = (controller != null ? controller.common() : agent.common()).shutdownTimeout();
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicInteger exitCode = new AtomicInteger(0);
    try {
      if (controller != null) {
        vertx.deployVerticle(new ControllerVerticle(controller, telemetry)).await();
      }
      if (agent != null) {
        AgentWiring wiring =
            AgentWiring.defaults(telemetry)
                .withOnFatal(
                    reason -> {
                      // the controller rejected the token: stop cleanly and exit non-zero
                      exitCode.set(3);
                      new Thread(
                              () -> {
                                closeQuietly(vertx, grace);
                                stopped.countDown();
                              },
                              "rap-fatal-shutdown")
                          .start();
                    });
        vertx.deployVerticle(new AgentVerticle(agent, wiring)).await();
      }
    } catch (Exception e) {
      System.err.println("Failed to start " + role.value() + ": " + e.getMessage());
      closeQuietly(vertx, grace);
      telemetry.close();
      return 1;
    }
    LOG.info("RAP " + role.value() + " started");
    Runnable shutdown =
        () -> {
          LOG.info("Shutting down " + role.value() + " (grace " + grace.toSeconds() + " s)");
          closeQuietly(vertx, grace);
          stopped.countDown();
        };
    Signal.handle(new Signal("TERM"), sig -> new Thread(shutdown, "rap-shutdown").start());
    Signal.handle(new Signal("INT"), sig -> new Thread(shutdown, "rap-shutdown").start());
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    telemetry.close();
    LOG.info("Stopped");
    return exitCode.get();
  }

  private static void closeQuietly(Vertx vertx, Duration grace) {
    try {
      vertx.close().await(grace.toMillis() + 5000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warning("Shutdown did not complete cleanly: " + e);
    }
  }
}

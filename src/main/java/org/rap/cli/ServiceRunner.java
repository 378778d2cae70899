package org.rap.cli;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
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
import org.rap.common.config.StartupChecks;
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
    Settings settings = configOption.load(role);
    AllInOne.Prepared allInOne = null;
    if (role == Role.ALL) {
      allInOne = AllInOne.prepare(settings);
      settings = allInOne.settings();
    }
    ControllerConfig controller = role.runsController() ? ControllerConfig.from(settings) : null;
    AgentConfig agent = role.runsAgent() ? AgentConfig.from(settings) : null;
    TelemetryConfig telemetryConfig = TelemetryConfig.from(settings, role.value());
    if (controller != null) {
      StartupChecks.controller(settings, controller, role == Role.CONTROLLER);
    }
    if (role == Role.AGENT) {
      StartupChecks.agent(settings);
    }
    try {
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
    if (agent != null) {
      warnIfPlainHttp(agent.taskApiEndpoint());
    }
    if (allInOne != null) {
      try {
        AllInOne.writeClientToken(controller.common().workdir(), allInOne.generated())
            .ifPresent(
                f ->
                    LOG.info(
                        "RAP API client token generated for this run: in "
                            + f
                            + " (set <BACKEND>_CLIENT_TOKENS to choose one)"));
      } catch (IOException e) {
        LOG.warning("Cannot write the generated client token: " + e.getMessage());
      }
    }
    Vertx vertx = telemetry.newVertx();
    Duration grace = (controller != null ? controller.common() : agent.common()).shutdownTimeout();
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicInteger exitCode = new AtomicInteger(0);
    try {
      if (controller != null) {
        ControllerVerticle cv = new ControllerVerticle(controller, telemetry);
        vertx.deployVerticle(cv).await();
        if (allInOne != null) {
          agent = AllInOne.agentFor(allInOne, agent, cv.httpPort());
        }
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

  /** Tokens must not cross a network in the clear: say so when the controller is elsewhere. */
  static void warnIfPlainHttp(String endpoint) {
    URI uri = URI.create(endpoint);
    String host = uri.getHost() == null ? "" : uri.getHost();
    boolean local = host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
    if ("http".equals(uri.getScheme()) && !local) {
      LOG.warning(
          "CONTROLLER_TASK_API_ENDPOINT is plain http to "
              + host
              + ": the agent's token crosses the network unencrypted. Serve the controller over"
              + " https (TLS_CERT_FILE and TLS_KEY_FILE, or a TLS proxy) and use https://.");
    }
  }

  private static void closeQuietly(Vertx vertx, Duration grace) {
    try {
      vertx.close().await(grace.toMillis() + 5000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warning("Shutdown did not complete cleanly: " + e);
    }
  }
}

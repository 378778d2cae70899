package org.rap.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import org.flywaydb.core.api.MigrationInfo;
import org.rap.common.config.ConfigException;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Role;
import org.rap.common.config.Settings;
import org.rap.common.model.Flag;
import org.rap.common.telemetry.Logging;
import org.rap.common.telemetry.Telemetry;
import org.rap.common.telemetry.TelemetryConfig;
import org.rap.controller.ControllerContext;
import org.rap.controller.db.Database;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.db.Migrations;
import org.rap.controller.manage.BackendFlags;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Shared plumbing of the operator commands: load the controller configuration, check the backend
 * against {@code BACKENDS}, check that {@code migrate} has made the database (else say so and touch
 * nothing), open the database pool on a short-lived Vert.x (the controller may be running in
 * another process meanwhile), run, close.
 */
final class ControllerCommands {
  /** A command body; returns the exit status. */
  interface Body {
    Future<Integer> run(Vertx vertx, ControllerContext ctx, PrintWriter out) throws Exception;
  }

  /** A change (or read) of a backend's flags, given the flag operations of the command's run. */
  interface FlagChange {
    Future<List<Flag>> apply(BackendFlags flags);
  }

  private ControllerCommands() {}

  /** Runs {@code change} on {@code backend}'s flags and prints each resulting flag on a line. */
  static int flags(CommandSpec spec, ConfigOption config, String backend, FlagChange change) {
    return run(
        spec,
        config,
        backend,
        (vertx, ctx, out) ->
            change
                .apply(new BackendFlags(ctx.db(), ctx.flags()))
                .map(
                    flags -> {
                      flags.forEach(f -> out.println(f.printable()));
                      return 0;
                    }));
  }

  static int run(CommandSpec spec, ConfigOption config, String backend, Body body) {
    return run(spec, config, backend, true, body);
  }

  /**
   * @param currentSchema whether the command needs the latest schema (else any migrated one will
   *     do: a backup is taken of what is there, before an upgrade as well)
   */
  static int run(
      CommandSpec spec, ConfigOption config, String backend, boolean currentSchema, Body body) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ControllerConfig cc;
    TelemetryConfig telemetryConfig;
    try {
      Settings settings = config.load(Role.CONTROLLER);
      cc = ControllerConfig.from(settings);
      settings.throwIfInvalid();
      Logging.redactSecretsOf(settings);
      telemetryConfig = TelemetryConfig.from(settings, "manage").withVersion(cc.common().version());
    } catch (ConfigException | IllegalArgumentException e) {
      err.println(e.getMessage());
      err.flush();
      return 2;
    }
    if (backend != null && !cc.backendSlugs().contains(backend.toLowerCase(Locale.ROOT))) {
      err.println(
          "Unknown backend '" + backend + "': BACKENDS is " + String.join(", ", cc.backendSlugs()));
      err.flush();
      return 2;
    }
    DatabaseTarget target = DatabaseTarget.of(cc.common());
    try {
      // before anything opens it: opening a missing SQLite database would create an empty file
      requireDatabase(target, currentSchema);
    } catch (IllegalStateException e) {
      err.println(e.getMessage());
      err.flush();
      return 2;
    }
    Vertx vertx = Vertx.vertx();
    Database db = Database.open(vertx, target);
    // operator commands trace the status changes they make (rap.service=manage)
    Telemetry telemetry = Telemetry.create(telemetryConfig);
    try {
      return body.run(vertx, ControllerContext.of(cc, db, telemetry), out).await();
    } catch (Exception e) {
      err.println(e.getMessage() == null ? e.toString() : e.getMessage());
      return 1;
    } finally {
      out.flush();
      err.flush();
      // close from this (non-Vert.x) thread: a close chained on a Vert.x context would complete
      // on an event loop that is already gone
      try {
        db.closeAsync().await();
      } catch (Exception ignored) {
        // closing anyway
      }
      vertx.close().await();
      telemetry.close();
    }
  }

  /**
   * Refuses a database that {@code migrate} has not made (or, with {@code currentSchema}, not
   * brought up to date), with a message that says to run it; never creates anything.
   *
   * @throws IllegalStateException naming what is wrong
   */
  static void requireDatabase(DatabaseTarget target, boolean currentSchema) {
    if (currentSchema) {
      Migrations.requireUpToDate(target);
      return;
    }
    String migrate = "Run `java -jar rap.jar migrate` to create it.";
    if (target.dialect() == DatabaseTarget.Dialect.SQLITE && !Files.exists(target.sqliteFile())) {
      throw new IllegalStateException(
          "Database not found: " + target.sqliteFile() + ". " + migrate);
    }
    MigrationInfo current;
    try {
      current = Migrations.info(target).current();
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "Cannot read the schema version of the " + target.describe() + ": " + e.getMessage(), e);
    }
    if (current == null) {
      throw new IllegalStateException(
          "The " + target.describe() + " has no RAP schema. " + migrate);
    }
  }

  /**
   * Asks "Are you sure you want to continue? (y/N)" on standard input; anything but {@code y}
   * prints "Aborted".
   *
   * @return whether the operator answered {@code y}
   */
  static boolean confirm(PrintWriter out) throws IOException {
    out.print("Are you sure you want to continue? (y/N) ");
    out.flush();
    String answer =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    if (answer == null || !answer.strip().equals("y")) {
      out.println("Aborted");
      out.flush();
      return false;
    }
    return true;
  }

  static String lower(String backend) {
    return backend == null ? null : backend.toLowerCase(Locale.ROOT);
  }
}

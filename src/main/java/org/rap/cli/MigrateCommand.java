package org.rap.cli;

import java.util.concurrent.Callable;
import org.flywaydb.core.api.output.MigrateResult;
import org.rap.common.config.CommonConfig;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Role;
import org.rap.common.config.Settings;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.db.Migrations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code rap migrate}: create or upgrade the controller database (idempotent). */
@Command(
    name = "migrate",
    mixinStandardHelpOptions = true,
    description = "Create the controller database or apply pending migrations (idempotent).")
public final class MigrateCommand implements Callable<Integer> {
  @Mixin ConfigOption config;

  @Override
  public Integer call() throws Exception {
    Settings settings = config.load(Role.CONTROLLER);
    CommonConfig common = ControllerConfig.from(settings).common();
    settings.throwIfInvalid();
    DatabaseTarget target;
    try {
      target = DatabaseTarget.of(common);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    MigrateResult result = Migrations.migrate(target);
    System.out.println(
        "Migrated "
            + target.describe()
            + ": "
            + result.migrationsExecuted
            + " migration(s) applied, schema version "
            + (result.targetSchemaVersion == null
                ? result.initialSchemaVersion
                : result.targetSchemaVersion)
            + ".");
    return 0;
  }
}

package org.rap.controller.planning;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** The database-action rule of docs/spec/project-yaml.md section 9, applied to run tokens. */
final class DatabaseActions {
  private static final Map<String, Set<String>> DB_COMMANDS =
      Map.of(
          "ehrql", Set.of("generate-dataset", "generate-measures"),
          "cohortextractor", Set.of("generate_cohort", "generate_codelist_report"),
          "databuilder", Set.of("generate-dataset"));

  private DatabaseActions() {}

  static boolean isDatabaseAction(List<String> args) {
    if (args.isEmpty()) {
      return false;
    }
    String image = args.get(0);
    int colon = image.indexOf(':');
    image = colon < 0 ? image : image.substring(0, colon);
    if (image.equals("sqlrunner")) {
      return true;
    }
    Set<String> commands = DB_COMMANDS.get(image);
    return commands != null && args.size() > 1 && commands.contains(args.get(1));
  }
}

package org.rap.common.model;

import java.util.List;
import java.util.Set;

/**
 * The images jobs run that are not reusable actions (docs/spec/scheduling.md section 6.7), and the
 * tags that {@code rap images pull} fetches ahead of the first job that needs them.
 */
public final class JobImages {
  /** Runtime images a project may name without being a reusable action. */
  public static final Set<String> RUNTIME =
      Set.of("ehrql", "stata-mp", "r", "jupyter", "python", "sqlrunner");

  /** The database utility image of DBSTATUS and DBDATACHECK tasks. */
  public static final String DATABASE_UTILS = "tpp-database-utils:latest";

  /** {@code name:tag} of every image an agent should have before jobs ask for it. */
  public static final List<String> PRE_PULL =
      List.of(
          "ehrql:v1",
          "python:v2",
          "r:latest",
          "stata-mp:latest",
          "jupyter:latest",
          "sqlrunner:latest",
          DATABASE_UTILS);

  private JobImages() {}
}

package org.rap.common.model;

import java.util.Map;

/** Exact user-visible status messages of the reference (docs/spec/job-model.md section 7). */
public final class StatusMessages {
  public static final String CREATED = "Created";
  public static final String INITIATED = "Job executing on the backend";
  public static final String PAUSED =
      "Backend is currently paused for maintenance, job will start once this is completed";
  public static final String WAITING_DB_MAINTENANCE = "Waiting for database to finish maintenance";
  public static final String WAITING_ON_DEPENDENCIES = "Waiting on dependencies";
  public static final String WAITING_ON_WORKERS = "Waiting on available workers";
  public static final String RESOURCE_INTENSIVE_SUFFIX = " for resource intensive job";
  public static final String WAITING_ON_DB_WORKERS = "Waiting on available database workers";
  public static final String WAITING_ON_REBOOT = "Job restarted - waiting for server to reboot";
  public static final String WAITING_ON_NEW_TASK =
      "This job returned an error that could be retriedwith a new task.";
  public static final String SUCCEEDED = "Completed successfully";
  public static final String LEVEL4_EXCLUDED_SUFFIX =
      ", but some file(s) marked as moderately_sensitive were excluded. See job log for details.";
  public static final String DEPENDENCY_FAILED = "Not starting as dependency failed";
  public static final String NONZERO_EXIT = "Job exited with an error";
  public static final String CANCELLED_BY_USER = "Cancelled by user";
  public static final String UNMATCHED_PATTERNS =
      "Outputs matching expected patterns were not found. See job log for details.";
  public static final String INTERNAL_ERROR =
      "Internal error: this usually means a platform issue rather than a problem for users to fix.\n"
          + "The tech team are automatically notified of these errors and will be investigating.";
  public static final String JOB_ERROR = "This job returned a fatal error.";

  /** Messages appended to {@code nonzero_exit} for database jobs without an agent message. */
  public static final Map<Integer, String> DATABASE_EXIT_CODES =
      Map.ofEntries(
          Map.entry(
              2,
              "There was a problem with the command line arguments in your ehrQL action; please"
                  + " confirm that it runs locally"),
          Map.entry(
              3,
              "A transient database error occurred, your job may run if you try it again, if it"
                  + " keeps failing then contact tech support"),
          Map.entry(
              4, "New data is being imported into the database, please try again in a few hours"),
          Map.entry(5, "Something went wrong with the database, please contact tech support"),
          Map.entry(
              6,
              "Your ehrQL is valid but it produced SQL which is too complex for the database to"
                  + " run; please contact tech-support so we can help you simplify it."),
          Map.entry(
              10,
              "There was a problem reading your ehrQL code; please confirm that it runs locally"),
          Map.entry(11, "There was a problem reading one of the supplied data files"),
          Map.entry(
              12, "You do not have the required permissions for the ehrQL you are trying to run"),
          Map.entry(13, "Assurance tests failed; please confirm the tests pass locally"),
          Map.entry(
              14,
              "Your job was making such slow progress that it was unlikely to complete"
                  + " successfully; please contact tech support so we can help you to simplify it."));

  private StatusMessages() {}
}

package org.rap.controller.scheduler;

import io.vertx.core.json.JsonObject;
import org.rap.common.model.State;

/**
 * What {@link JobRules} decided for one job in a pass: the job's new status (possibly unchanged)
 * and what else must happen with it, in the same transaction.
 *
 * @param results the results of the completed RUNJOB task that decided it, or null (they go to the
 *     job's trace)
 * @param warning a line for the operators' log, or null
 */
record Decision(Effect effect, StatusBook.Outcome outcome, JsonObject results, String warning) {

  enum Effect {
    /** Store the status (batched with the pass's other plain changes), or nothing. */
    WRITE,
    /** Cancel the job's active RUNJOB task (a CANCELJOB goes to the agent) and store the status. */
    CANCEL_TASK,
    /** Create the job's next RUNJOB task and store {@code initiated}. */
    START_TASK
  }

  static Decision write(StatusBook.Outcome o) {
    return new Decision(Effect.WRITE, o, null, null);
  }

  Decision with(Effect newEffect) {
    return new Decision(newEffect, outcome, results, warning);
  }

  Decision withResults(JsonObject taskResults) {
    return new Decision(effect, outcome, taskResults, warning);
  }

  Decision withWarning(String line) {
    return new Decision(effect, outcome, results, line);
  }

  /** The job's state once the decision is stored. */
  State stateAfter() {
    return outcome.job().state();
  }
}

package org.rap.controller.api;

import io.vertx.ext.web.RoutingContext;
import org.rap.common.config.ControllerLimits;
import org.rap.common.http.Responses;
import org.rap.controller.db.DatabaseOutages;

/**
 * The answer of the RAP API and the task API while the database is not answering: 503 with {@code
 * Retry-After} ({@code DATABASE_RETRY_AFTER}) and the error body, the outage logged once every 30 s
 * rather than a stack trace per request. Nothing was changed, so the request can be sent again.
 */
public final class OutageReplies {
  private final DatabaseOutages outages;
  private final int retryAfterSeconds;

  /** For the API named {@code what} (e.g. "The task API"). */
  public OutageReplies(String what, ControllerLimits limits) {
    this.outages = new DatabaseOutages(what, "answering 503 with Retry-After until it answers");
    this.retryAfterSeconds = limits.databaseRetryAfterSeconds();
  }

  /** Answers 503 when {@code failure} is a database outage; false when it is not (not answered). */
  public boolean answered(RoutingContext rc, Throwable failure) {
    if (!DatabaseOutages.isOutage(failure)) {
      return false;
    }
    outages.report(failure);
    Responses.unavailable(
        rc,
        retryAfterSeconds,
        "The controller's database is not answering; try again in "
            + retryAfterSeconds
            + (retryAfterSeconds == 1 ? " second" : " seconds"));
    return true;
  }
}

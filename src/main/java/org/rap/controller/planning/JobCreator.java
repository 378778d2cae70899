package org.rap.controller.planning;

import io.vertx.core.Future;

/**
 * Creates the jobs of a RAP (docs/spec/scheduling.md section 6): request checks, repository checks,
 * reading and validating project.yaml at the commit, planning against the workspace state, and
 * inserting all new jobs in one transaction (serialised per workspace). Fails with {@link
 * JobCreationException} for known errors; publishes {@code controller.job.created} on success. The
 * "No change" idempotency check on {@code rap_id} is the RAP API's, before calling this.
 */
public interface JobCreator {
  Future<CreateOutcome> create(CreateRequest request);
}

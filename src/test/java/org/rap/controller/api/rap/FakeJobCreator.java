package org.rap.controller.api.rap;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.rap.common.model.Job;
import org.rap.common.model.JobIds;
import org.rap.common.model.JobSpec;
import org.rap.common.model.JobStatus;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.model.StatusMessages;
import org.rap.common.model.Timestamps;
import org.rap.controller.ControllerContext;
import org.rap.controller.ControllerEvents;
import org.rap.controller.planning.CreateOutcome;
import org.rap.controller.planning.CreateRequest;
import org.rap.controller.planning.JobCreationException;
import org.rap.controller.planning.JobCreator;

/**
 * A job creator for tests: one job per requested action, inserted in one transaction. Special first
 * action names select other outcomes: {@code fail_known}, {@code fail_unknown}, {@code
 * nothing_succeeded}, {@code nothing_scheduled}, {@code race} (another writer inserts the same jobs
 * first, so our insert fails on the primary key).
 */
public final class FakeJobCreator implements JobCreator {
  public static final String KNOWN_ERROR = "Could not find branch 'main'";
  private final Vertx vertx;
  private final ControllerContext ctx;
  public final AtomicInteger calls = new AtomicInteger();

  public FakeJobCreator(Vertx vertx, ControllerContext ctx) {
    this.vertx = vertx;
    this.ctx = ctx;
  }

  @Override
  public Future<CreateOutcome> create(CreateRequest r) {
    calls.incrementAndGet();
    String first = r.requestedActions().get(0);
    switch (first) {
      case "fail_known":
        return Future.failedFuture(new JobCreationException(KNOWN_ERROR));
      case "fail_unknown":
        return Future.failedFuture(new IllegalStateException("boom"));
      case "nothing_succeeded":
        return Future.succeededFuture(
            new CreateOutcome.NothingToDo("All actions have already completed successfully"));
      case "nothing_scheduled":
        return Future.succeededFuture(
            new CreateOutcome.NothingToDo("All requested actions were already scheduled to run"));
      default:
        break;
    }
    List<Job> jobs = new ArrayList<>();
    for (String action : r.requestedActions()) {
      jobs.add(job(r, action));
    }
    Future<Void> before =
        first.equals("race")
            ? ctx.db().inTransaction(c -> ctx.jobs().insertAll(c, jobs))
            : Future.succeededFuture();
    return before
        .compose(v -> ctx.db().inTransaction(c -> ctx.jobs().insertAll(c, jobs)))
        .map(
            v -> {
              vertx
                  .eventBus()
                  .publish(
                      ControllerEvents.JOB_CREATED,
                      new JsonObject().put("backend", r.backend()).put("count", jobs.size()));
              return new CreateOutcome.Created(jobs);
            });
  }

  public static Job job(CreateRequest r, String action) {
    long now = Timestamps.nowSeconds();
    return new Job(
        new JobSpec(
            JobIds.jobId(r.rapId(), action),
            r.rapId(),
            r.backend(),
            r.workspace(),
            action,
            now,
            new JobSpec.Source(r.repoUrl(), r.commit(), r.branch(), null, null),
            new JobSpec.Run(
                "python:v2 analysis/" + action + ".py",
                Map.of(),
                action.contains("dataset"),
                r.databaseName(),
                r.analysisScope()),
            new JobSpec.Needs(List.of(), List.of()),
            new JobSpec.Origin(
                r.createdBy(),
                r.project(),
                r.orgs(),
                Map.of("traceparent", "00-ee668ef06f2f1564c028eea1d9be716d-5b3ca103cdd2a017-01"))),
        new JobStatus(
            State.PENDING,
            StatusCode.CREATED,
            StatusMessages.CREATED,
            false,
            now,
            null,
            null,
            Timestamps.nowNanos()));
  }
}

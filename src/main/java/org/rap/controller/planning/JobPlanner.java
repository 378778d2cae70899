package org.rap.controller.planning;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import org.rap.common.model.Job;
import org.rap.common.model.JobIds;
import org.rap.common.model.JobSpec;
import org.rap.common.model.JobStatus;
import org.rap.common.model.State;
import org.rap.common.pipeline.Action;
import org.rap.common.pipeline.Pipeline;

/**
 * Decides which jobs a create request adds (docs/spec/scheduling.md section 6.4). Pure: no I/O, no
 * clock; the only randomness is the trace ids, drawn from the given generator.
 */
public final class JobPlanner {
  public static final String RUN_ALL = "run_all";
  public static final String NOTHING_TO_DO_RUN_ALL =
      "All actions have already completed successfully";
  public static final String NOTHING_TO_DO_SCHEDULED =
      "All requested actions were already scheduled to run";

  private final CreateRequest request;
  private final Pipeline pipeline;
  private final long createdAt;
  private final long createdAtNs;
  private final RandomGenerator random;

  /** action → latest job (existing or new), in the reference's dict order. */
  private final Map<String, Job> jobsByAction = new LinkedHashMap<>();

  private final Deque<String> building = new ArrayDeque<>();
  private final Set<String> onStack = new HashSet<>();

  private JobPlanner(
      CreateRequest request, Pipeline pipeline, Instant now, RandomGenerator random) {
    this.request = request;
    this.pipeline = pipeline;
    this.createdAt = now.getEpochSecond();
    this.createdAtNs = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    this.random = random;
  }

  /**
   * Plans the request against the workspace state.
   *
   * @param workspaceState latest non-cancelled job per action in the request's backend and
   *     workspace ({@code JobRepository.latestPerAction}); actions no longer in the project are
   *     ignored here
   * @throws JobCreationException {@code Action '<name>' not found in project.yaml}
   * @throws IllegalStateException when nothing was planned for no legitimate reason (reported as
   *     "Unknown error", as the reference does)
   */
  public static Plan plan(
      CreateRequest request,
      Pipeline pipeline,
      Map<String, Job> workspaceState,
      Instant now,
      RandomGenerator random)
      throws JobCreationException {
    try {
      return new JobPlanner(request, pipeline, now, random).run(workspaceState);
    } catch (StackOverflowError e) {
      // thousands of chained needs: refuse clearly instead of failing the thread
      throw new JobCreationException(
          "Invalid project: \nThe chain of `needs` is too long to plan (more than a few thousand actions deep)");
    }
  }

  private Plan run(Map<String, Job> workspaceState) throws JobCreationException {
    // the reference groups the workspace's jobs by action name: its dict is in name order
    Set<String> projectActions = new HashSet<>(pipeline.allActions());
    Map<String, Job> current = new TreeMap<>();
    workspaceState.forEach(
        (action, job) -> {
          if (projectActions.contains(action)) {
            current.put(action, job);
          }
        });
    jobsByAction.putAll(current);
    Set<String> existingIds = new HashSet<>();
    current.values().forEach(j -> existingIds.add(j.id()));

    for (String action : startingActions()) {
      build(action);
    }

    List<Job> newJobs = new ArrayList<>();
    for (Job job : jobsByAction.values()) {
      if (!existingIds.contains(job.id())) {
        newJobs.add(job);
      }
    }
    if (!newJobs.isEmpty()) {
      return new Plan.NewJobs(newJobs);
    }
    if (request.requestedActions().contains(RUN_ALL)) {
      return new Plan.NothingToDo(NOTHING_TO_DO_RUN_ALL);
    }
    boolean allScheduled = true;
    for (String action : request.requestedActions()) {
      Job job = current.get(action);
      if (job == null || !(job.state() == State.PENDING || job.state() == State.RUNNING)) {
        allScheduled = false;
      }
    }
    if (allScheduled) {
      return new Plan.NothingToDo(NOTHING_TO_DO_SCHEDULED);
    }
    throw new IllegalStateException("Unexpected job states after scheduling: " + current);
  }

  private List<String> startingActions() {
    if (request.requestedActions().contains(RUN_ALL)) {
      return pipeline.allActions();
    }
    return request.requestedActions();
  }

  /** Depth first over {@code needs}: dependencies are built before the job that needs them. */
  private void build(String action) throws JobCreationException {
    Job existing = jobsByAction.get(action);
    if (existing != null && !shouldRerun(existing)) {
      return;
    }
    Action spec = pipeline.actions().get(action);
    if (spec == null) {
      throw new JobCreationException("Action '" + action + "' not found in project.yaml");
    }
    if (!onStack.add(action)) {
      // the parser rejects cycles; never recurse forever if one slips through
      List<String> cycle = new ArrayList<>(building);
      Collections.reverse(cycle);
      cycle = cycle.subList(cycle.indexOf(action), cycle.size());
      throw new JobCreationException(
          "Invalid project: \nAction `"
              + action
              + "` has a circular dependency in its `needs` list: "
              + String.join(" -> ", cycle)
              + " -> "
              + action);
    }
    building.push(action);
    try {
      List<String> waitFor = new ArrayList<>();
      for (String needed : needs(spec)) {
        build(needed);
        Job dependency = jobsByAction.get(needed);
        if (dependency.state() == State.PENDING || dependency.state() == State.RUNNING) {
          waitFor.add(dependency.id());
        }
      }
      jobsByAction.put(action, newJob(action, spec, waitFor));
    } finally {
      building.pop();
      onStack.remove(action);
    }
  }

  private static List<String> needs(Action spec) {
    return spec.needs() == null ? List.of() : spec.needs();
  }

  /** The re-run rule for an action's latest job. */
  private boolean shouldRerun(Job job) {
    if (job.state() == State.PENDING || job.state() == State.RUNNING) {
      return false;
    }
    if (request.requestedActions().contains(job.action())) {
      return true;
    }
    if (request.forceRunDependencies()) {
      return true;
    }
    return job.state() == State.FAILED;
  }

  private Job newJob(String action, Action spec, List<String> waitFor) {
    boolean db = spec.databaseAction();
    JobSpec job =
        new JobSpec(
            JobIds.jobId(request.rapId(), action),
            request.rapId(),
            request.backend(),
            request.workspace(),
            action,
            createdAt,
            new JobSpec.Source(request.repoUrl(), request.commit(), request.branch(), null, null),
            new JobSpec.Run(
                RunCommands.of(spec),
                spec.outputs() == null ? Map.of() : spec.outputs(),
                db,
                request.databaseName(),
                db
                    ? AnalysisScopes.forDatabaseJob(request.analysisScope(), request.project())
                    : Map.of()),
            new JobSpec.Needs(needs(spec), waitFor),
            new JobSpec.Origin(
                request.createdBy(),
                request.project(),
                request.orgs(),
                TraceContexts.newRoot(random)));
    return new Job(job, JobStatus.created(createdAt, createdAtNs));
  }
}

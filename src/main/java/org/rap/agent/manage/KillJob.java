package org.rap.agent.manage;

import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.rap.agent.executor.JobStatus;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;
import org.rap.common.model.TaskType;
import org.rap.common.tasks.AgentTask;

/**
 * {@code rap kill-job}: stops a wedged job's container on this agent's host and reports the outcome
 * to the controller over the task API, through the agent's own executor and task handling
 * (docs/spec/agent-executor.md section 12).
 *
 * <ul>
 *   <li>{@link Mode#RETRY}: the job's metadata is written first with an error ({@code
 *       JobKilledByOperator}), then the container is killed, removed with the volume, and stage
 *       {@code error} is reported: the controller runs the job again with a new task (up to {@code
 *       MAX_TASK_ATTEMPTS}). Writing the metadata first means a running agent that looks at the job
 *       meanwhile finds it finished with that error and reports the same.
 *   <li>{@link Mode#FAIL}: the container is killed (exit 137) and finalized as the agent finalizes
 *       any exited container (logs, outputs, manifest, metadata; message {@code Job killed by
 *       OpenSAFELY admin or memory limits}), then removed with the volume, and stage {@code
 *       finalized} is reported: the job fails with {@code nonzero_exit}. A running agent sees the
 *       exit at once and does exactly this itself; the command then waits for it and only does the
 *       work when no agent runs on this host (or it did not finish in time).
 * </ul>
 */
public final class KillJob {
  /** What happens to the job once its container is gone. */
  public enum Mode {
    RETRY,
    FAIL
  }

  static final String KILLED_EXCEPTION = "JobKilledByOperator";
  private static final Duration AGENT_WAIT = Duration.ofSeconds(60);

  /**
   * One job that matched: its active RUNJOB task (empty for a container the controller no longer
   * lists) and its container (empty when it has none).
   */
  public record Target(String jobId, Optional<AgentTask> task, Optional<Container> container) {
    public String describe() {
      StringBuilder b = new StringBuilder("job " + jobId);
      task.ifPresent(
          t -> {
            JsonObject d = t.definition();
            b.append(" (workspace ")
                .append(d.getString("workspace"))
                .append(", action ")
                .append(d.getString("action"))
                .append(", task ")
                .append(t.id())
                .append(")");
          });
      b.append(": ")
          .append(
              container
                  .map(
                      c -> "container " + AgentTools.CONTAINER_PREFIX + jobId + " " + c.getStatus())
                  .orElse("no container"));
      return b.toString();
    }
  }

  private final AgentTools tools;

  public KillJob(AgentTools tools) {
    this.tools = tools;
  }

  /**
   * The jobs whose id contains {@code partialId}: from the backend's active RUNJOB tasks, this
   * host's job containers and its job volume directories. A CANCELJOB of the job makes it
   * unkillable here (it is being cancelled).
   */
  public List<Target> find(String partialId, List<AgentTask> tasks) {
    Map<String, AgentTask> runjobs = new LinkedHashMap<>();
    for (AgentTask t : tasks) {
      String id = t.definition().getString("id");
      if (t.type() == TaskType.RUNJOB && id != null && id.contains(partialId)) {
        runjobs.put(id, t);
      }
    }
    Map<String, Container> containers = new LinkedHashMap<>();
    for (Container c : tools.jobContainers()) {
      String id = AgentTools.jobIdOf(c);
      if (id.contains(partialId)) {
        containers.put(id, c);
      }
    }
    List<String> ids = new ArrayList<>(runjobs.keySet());
    containers.keySet().stream().filter(id -> !ids.contains(id)).forEach(ids::add);
    // a volume directory no container or task explains (left by a crash): removable too
    Path volumes = tools.settings().highPrivacyVolumeDir();
    if (Files.isDirectory(volumes)) {
      try (DirectoryStream<Path> dirs = Files.newDirectoryStream(volumes)) {
        for (Path d : dirs) {
          String id = d.getFileName().toString();
          if (Files.isDirectory(d) && id.contains(partialId) && !ids.contains(id)) {
            ids.add(id);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    List<Target> out = new ArrayList<>();
    for (String id : ids) {
      out.add(
          new Target(
              id, Optional.ofNullable(runjobs.get(id)), Optional.ofNullable(containers.get(id))));
    }
    return out;
  }

  /** A CANCELJOB task of this job, when the controller is cancelling it already. */
  public static Optional<AgentTask> cancellation(String jobId, List<AgentTask> tasks) {
    return tasks.stream()
        .filter(t -> t.type() == TaskType.CANCELJOB && jobId.equals(t.definition().getString("id")))
        .findFirst();
  }

  /** Kills, cleans up and reports; returns the lines to print. */
  public List<String> kill(Target target, Mode mode) {
    List<String> out = new ArrayList<>();
    String name = AgentTools.CONTAINER_PREFIX + target.jobId();
    if (target.task().isEmpty()) {
      // nothing to report to: the controller no longer runs this job here
      removeOrphan(target.jobId());
      out.add(
          "No active task for job "
              + target.jobId()
              + ": removed "
              + (target.container().isPresent() ? name + " and its volume" : "its volume")
              + "; nothing reported to the controller.");
      return out;
    }
    AgentTask task = target.task().get();
    JobDefinition job = JobDefinition.fromJson(task.definition());
    JobStatus before = tools.executor().status(job, false).await();
    if (mode == Mode.RETRY) {
      JsonObject error =
          new JsonObject()
              .put("exception", KILLED_EXCEPTION)
              .put(
                  "message",
                  "Job killed by an operator on the backend (rap kill-job --retry); it will run"
                      + " again with a new task")
              .put("traceback", "");
      // metadata first: whoever handles the job from now on finds it finished with this error
      tools.executor().finalizeJob(job, false, error).await();
      tools.executor().terminate(job).await();
    } else {
      if (before.state() != ExecutorState.EXECUTING && before.state() != ExecutorState.EXECUTED) {
        throw new IllegalStateException(
            "Job "
                + job.id()
                + " has no container to kill (it is "
                + before.state().value()
                + "): cancel it through job-server instead, or use --retry to run it again");
      }
      tools.executor().terminate(job).await();
      if (tools.agentRunning() && awaitAgent(job)) {
        out.add("The agent on this host finalized and reported the job.");
      }
    }
    // the agent's own handling: finalizes an exited container, removes container and volume, and
    // reports the stored outcome (done already by a running agent: reported again, idempotent)
    tools.handler().runJobStep(task).await();
    JobStatus after = tools.executor().status(job, false).await();
    out.add(
        "Job "
            + job.id()
            + ": "
            + name
            + " killed and removed, volume deleted; reported to the controller as stage '"
            + after.state().value()
            + "' of task "
            + task.id()
            + ".");
    out.add(
        mode == Mode.RETRY
            ? "The controller runs the job again with a new task (it fails once MAX_TASK_ATTEMPTS"
                + " errored tasks are used up)."
            : "The job fails"
                + (after.message() == null || after.message().isEmpty()
                    ? "."
                    : ": " + after.message()));
    return out;
  }

  /** Waits for the running agent to finalize the killed job (its metadata for this task). */
  private boolean awaitAgent(JobDefinition job) {
    long deadline = System.nanoTime() + AGENT_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      JobStatus s = tools.executor().status(job, false).await();
      if (s.state() == ExecutorState.FINALIZED || s.state() == ExecutorState.ERROR) {
        return true;
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  private void removeOrphan(String jobId) {
    try {
      tools
          .docker()
          .client()
          .removeContainerCmd(AgentTools.CONTAINER_PREFIX + jobId)
          .withForce(true)
          .exec();
    } catch (NotFoundException e) {
      // gone already
    }
    tools.executor().cleanup(JobDefinition.fromJson(new JsonObject().put("id", jobId))).await();
  }
}

package org.rap.controller.manage;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.rap.common.model.Job;
import org.rap.common.model.JobIds;
import org.rap.controller.planning.CreateOutcome;
import org.rap.controller.planning.CreateRequest;
import org.rap.controller.planning.JobCreator;

/**
 * {@code add-job} (docs/spec/operations.md section 5.5): builds a create request with a random RAP
 * id (for a local checkout the current commit by default), prints it, creates the jobs and lists
 * them.
 */
public final class AddJob {
  private final JobCreator creator;

  public AddJob(JobCreator creator) {
    this.creator = creator;
  }

  public record Options(
      String repoUrl,
      List<String> actions,
      String backend,
      String workspace,
      String branch,
      String commit,
      String database,
      boolean forceRunDependencies) {}

  /** The request add-job submits. */
  public static CreateRequest request(Options o, String commit) {
    return new CreateRequest(
        o.backend(),
        JobIds.newRapId(),
        o.workspace(),
        o.repoUrl(),
        o.branch(),
        commit,
        o.database(),
        o.actions(),
        true,
        o.forceRunDependencies(),
        System.getProperty("user.name", "unknown"),
        "unknown",
        List.of(),
        Map.of());
  }

  /**
   * The commit to use: {@code --commit}, else the checkout's current commit for a local path, else
   * the head of the branch on the remote.
   */
  public static String resolveCommit(Options o) throws Exception {
    if (o.commit() != null && !o.commit().isBlank()) {
      return o.commit();
    }
    Path local = Path.of(o.repoUrl());
    if (o.repoUrl().startsWith("/") && Files.exists(local)) {
      try (Git git = Git.open(local.toFile())) {
        ObjectId head = git.getRepository().resolve("HEAD");
        if (head == null) {
          throw new IllegalArgumentException("The repository " + o.repoUrl() + " has no commits");
        }
        return head.name();
      }
    }
    try {
      Collection<Ref> refs = Git.lsRemoteRepository().setRemote(o.repoUrl()).setHeads(true).call();
      for (Ref r : refs) {
        if (r.getName().equals("refs/heads/" + o.branch())) {
          return r.getObjectId().name();
        }
      }
      throw new IllegalArgumentException(
          "Could not find branch '" + o.branch() + "' in " + o.repoUrl());
    } catch (GitAPIException e) {
      throw new IllegalArgumentException(
          "Could not read the head of branch '"
              + o.branch()
              + "' from "
              + o.repoUrl()
              + " ("
              + e.getMessage()
              + "); pass --commit SHA",
          e);
    }
  }

  public static JsonObject describe(CreateRequest r) {
    return new JsonObject()
        .put("backend", r.backend())
        .put("rap_id", r.rapId())
        .put("workspace", r.workspace())
        .put("repo_url", r.repoUrl())
        .put("branch", r.branch())
        .put("commit", r.commit())
        .put("database_name", r.databaseName())
        .put("requested_actions", r.requestedActions())
        .put("codelists_ok", r.codelistsOk())
        .put("force_run_dependencies", r.forceRunDependencies())
        .put("created_by", r.createdBy())
        .put("project", r.project())
        .put("orgs", r.orgs())
        .put("analysis_scope", new JsonObject(r.analysisScope()));
  }

  /** Submits the request and prints the outcome. */
  public Future<CreateOutcome> run(CreateRequest request, PrintWriter out) {
    out.println("Submitting RAP:");
    out.println(describe(request).encodePrettily());
    return creator
        .create(request)
        .onSuccess(
            outcome -> {
              if (outcome instanceof CreateOutcome.Created c) {
                out.println("Created " + c.jobs().size() + " new jobs:");
                for (Job j : c.jobs()) {
                  out.println(
                      "  " + j.slug() + " (" + j.id() + ", " + j.statusCode().value() + ")");
                }
              } else if (outcome instanceof CreateOutcome.NothingToDo n) {
                out.println("Created 0 new jobs: " + n.details());
              }
            });
  }
}

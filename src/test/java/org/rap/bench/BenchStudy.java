package org.rap.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.rap.testing.TestTokens;

/** What the whole-system benches share: a local study repository and job-server's requests. */
public final class BenchStudy {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private BenchStudy() {}

  /** Commits everything in {@code repo} (a new repository, branch main); the commit's id. */
  public static String commitAll(Path repo) throws Exception {
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("bench", "bench@example.org");
      return git.commit()
          .setMessage("bench")
          .setAuthor(who)
          .setCommitter(who)
          .setSign(false)
          .call()
          .getName();
    }
  }

  /** A {@code rap/create/} body for backend {@code test}. */
  public static JsonObject create(
      String rap, String workspace, String repo, String commit, List<String> actions) {
    return new JsonObject()
        .put("backend", "test")
        .put("rap_id", rap)
        .put("workspace", workspace)
        .put("repo_url", repo)
        .put("branch", "main")
        .put("commit", commit)
        .put("database_name", "default")
        .put("requested_actions", new JsonArray(List.copyOf(actions)))
        .put("codelists_ok", true)
        .put("force_run_dependencies", false)
        .put("created_by", "bench")
        .put("project", "bench")
        .put("orgs", new JsonArray().add("bench"))
        .put("analysis_scope", new JsonObject());
  }

  /** POSTs to the RAP API as job-server; the answer, or an exception naming the status. */
  public static JsonObject post(String url, JsonObject body) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", TestTokens.CLIENT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() >= 300) {
      throw new IllegalStateException(url + " " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body());
  }
}

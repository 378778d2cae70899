package org.rap.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

  /**
   * A controller's settings for backend {@code test} on {@code port}: {@code common}, then the work
   * directory, the bench tokens, loopback hosts and no scheduled database tasks.
   */
  public static Map<String, String> controllerEnv(
      Map<String, String> common, Path workdir, int port) {
    Map<String, String> env = new HashMap<>(common);
    env.putAll(
        Map.of(
            "WORKDIR",
            workdir.toString(),
            "CONTROLLER_PORT",
            String.valueOf(port),
            "TEST_CLIENT_TOKENS",
            TestTokens.CLIENT,
            "TEST_JOB_SERVER_TOKEN",
            TestTokens.AGENT,
            "CONTROLLER_ALLOWED_HOSTS",
            "localhost,127.0.0.1",
            "MAINTENANCE_ENABLED_BACKENDS",
            "",
            "DATA_CHECK_ENABLED_BACKENDS",
            ""));
    return env;
  }

  /** An agent's settings for backend {@code test} against the controller on {@code port}. */
  public static Map<String, String> agentEnv(
      Map<String, String> common, Path workdir, int controllerPort, int agentPort) {
    Map<String, String> env = new HashMap<>(common);
    env.putAll(
        Map.of(
            "WORKDIR",
            workdir.toString(),
            "BACKEND",
            "test",
            "CONTROLLER_TASK_API_ENDPOINT",
            "http://localhost:" + controllerPort + "/",
            "CONTROLLER_TASK_API_TOKEN",
            TestTokens.AGENT,
            "USING_DUMMY_DATA_BACKEND",
            "true",
            "AGENT_PORT",
            String.valueOf(agentPort)));
    return env;
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

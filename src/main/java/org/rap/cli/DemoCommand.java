package org.rap.cli;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.logging.ConsoleHandler;
import java.util.logging.FileHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.rap.agent.AgentVerticle;
import org.rap.common.config.AgentConfig;
import org.rap.common.config.ConfigLoader;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Role;
import org.rap.common.config.Settings;
import org.rap.common.config.StartupChecks;
import org.rap.common.http.TlsProtocols;
import org.rap.common.model.JobIds;
import org.rap.common.telemetry.Logging;
import org.rap.controller.ControllerVerticle;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.db.Migrations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rap demo}: the whole system in one JVM ({@code --role=all}, embedded SQLite), the bundled
 * example study committed to a local git repository, submitted through the RAP API as job-server
 * would, with live progress and a summary. Exit status 0 only when every job succeeded.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Run the bundled example study through controller, agent and RAP API (needs Docker and the local images).")
public final class DemoCommand implements Callable<Integer> {
  private static final List<String> STUDY_FILES =
      List.of(
          "project.yaml",
          "README.md",
          "analysis/generate_dataset.sh",
          "analysis/summarise.sh",
          "analysis/report.sh");
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description = "Give up after this long (default ${DEFAULT-VALUE}).")
  int timeoutSeconds = 600;

  @Override
  public Integer call() throws Exception {
    long start = System.nanoTime();
    Map<String, String> env = System.getenv();
    AllInOne.Prepared prepared =
        AllInOne.prepare(ConfigLoader.read(Role.ALL, Optional.empty(), env));
    Settings settings = prepared.settings();
    ControllerConfig controller = ControllerConfig.from(settings);
    AgentConfig agent = AgentConfig.from(settings);
    StartupChecks.controller(settings, controller, false);
    settings.throwIfInvalid();
    Logging.redactSecretsOf(settings);
    String token = controller.backend(agent.backend()).clientTokens().get(0);
    Vertx vertx = Vertx.vertx();
    try {
      Path logFile = logToFile(controller.common().workdir(), env);
      Migrations.migrate(DatabaseTarget.of(controller.common()));
      Path repo = makeRepo(controller.common().workdir().resolve("demo-study"));
      String commit = commit(repo);
      ControllerVerticle cv = new ControllerVerticle(controller);
      vertx.deployVerticle(cv).await();
      agent = AllInOne.agentFor(prepared, agent, cv.httpPort());
      vertx.deployVerticle(new AgentVerticle(agent)).await();
      say(
          "controller on port "
              + cv.httpPort()
              + ", agent for backend "
              + agent.backend()
              + " started");
      if (logFile != null) {
        say("service log: " + logFile);
      }

      WebClient web =
          WebClient.create(
              vertx, TlsProtocols.verifying(new WebClientOptions(), agent.controllerCaFile()));
      String base = AllInOne.endpoint(settings, cv.httpPort()) + "controller/v1/";
      String rapId = JobIds.newRapId();
      JsonObject create =
          new JsonObject()
              .put("backend", agent.backend())
              .put("rap_id", rapId)
              .put("workspace", "demo")
              .put("repo_url", repo.toString())
              .put("branch", "main")
              .put("commit", commit)
              .put("database_name", "default")
              .put("requested_actions", new JsonArray().add("run_all"))
              .put("codelists_ok", true)
              .put("force_run_dependencies", true)
              .put("created_by", System.getProperty("user.name", "demo"))
              .put("project", "demo")
              .put("orgs", new JsonArray().add("demo"))
              .put("analysis_scope", new JsonObject());
      HttpResponse<Buffer> created =
          web.postAbs(base + "rap/create/")
              .putHeader("Authorization", token)
              .sendJsonObject(create)
              .await();
      say("rap/create/ -> " + created.statusCode() + " " + created.bodyAsString());
      if (created.statusCode() != 201) {
        return 1;
      }
      Map<String, String> seen = new LinkedHashMap<>();
      JsonArray jobs = new JsonArray();
      long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
      while (System.nanoTime() < deadline) {
        jobs =
            web.postAbs(base + "rap/status/")
                .putHeader("Authorization", token)
                .sendJsonObject(new JsonObject().put("rap_ids", new JsonArray().add(rapId)))
                .await()
                .bodyAsJsonObject()
                .getJsonArray("jobs");
        boolean allFinal = !jobs.isEmpty();
        for (Object o : jobs) {
          JsonObject j = (JsonObject) o;
          String now = j.getString("status_code") + " - " + j.getString("status_message");
          if (!now.equals(seen.put(j.getString("action"), now))) {
            say(j.getString("action") + ": " + now);
          }
          allFinal &= List.of("succeeded", "failed").contains(j.getString("status"));
        }
        if (allFinal) {
          break;
        }
        Thread.sleep(300);
      }
      Path high = agent.highPrivacyStorageBase().resolve("workspaces/demo");
      Path medium = agent.mediumPrivacyStorageBase().resolve("workspaces/demo");
      System.out.println();
      System.out.println("=== Summary ===");
      boolean ok = !jobs.isEmpty();
      for (Object o : jobs) {
        JsonObject j = (JsonObject) o;
        ok &= "succeeded".equals(j.getString("status"));
        System.out.println(
            j.getString("action")
                + ": "
                + j.getString("status")
                + " - "
                + j.getString("status_message"));
        System.out.println(
            "    log: " + high.resolve("metadata/" + j.getString("action") + ".log"));
      }
      System.out.println("Outputs (level 3, high privacy):   " + high.resolve("output"));
      System.out.println("Outputs (level 4, medium privacy): " + medium.resolve("output"));
      System.out.println("Manifest: " + medium.resolve("metadata/manifest.json"));
      System.out.printf("Total time: %.1f s%n", (System.nanoTime() - start) / 1e9);
      return ok ? 0 : 1;
    } finally {
      vertx.close().await();
    }
  }

  /**
   * Unless LOGLEVEL is set, the services' log goes to {@code WORKDIR/demo.log} and the terminal
   * shows only the progress lines and warnings.
   *
   * @return the log file, or null when logging is left as configured
   */
  private static Path logToFile(Path workdir, Map<String, String> env) throws IOException {
    if (env.get("LOGLEVEL") != null && !env.get("LOGLEVEL").isBlank()) {
      return null;
    }
    Files.createDirectories(workdir);
    Path file = workdir.resolve("demo.log").toAbsolutePath();
    Logger root = Logger.getLogger("");
    Formatter format = null;
    for (Handler h : root.getHandlers()) {
      if (h instanceof ConsoleHandler) {
        h.setLevel(Level.WARNING);
        format = h.getFormatter();
      }
    }
    FileHandler fh = new FileHandler(file.toString(), false);
    fh.setLevel(Level.INFO);
    fh.setFormatter(format != null ? format : new SimpleFormatter());
    root.addHandler(fh);
    return file;
  }

  private static void say(String line) {
    System.out.println("[" + LocalTime.now().format(CLOCK) + "] " + line);
  }

  private static Path makeRepo(Path dir) throws Exception {
    for (String f : STUDY_FILES) {
      Path target = dir.resolve(f);
      Files.createDirectories(target.getParent());
      try (InputStream in =
          DemoCommand.class.getClassLoader().getResourceAsStream("demo-study/" + f)) {
        if (in == null) {
          throw new IllegalStateException("demo study file missing from the jar: " + f);
        }
        Files.write(target, in.readAllBytes());
      }
    }
    return dir.toAbsolutePath();
  }

  private static String commit(Path dir) throws Exception {
    try (Git git =
        Files.isDirectory(dir.resolve(".git"))
            ? Git.open(dir.toFile())
            : Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call()) {
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("RAP demo", "demo@example.org");
      return git.commit()
          .setMessage("demo study")
          .setAuthor(who)
          .setCommitter(who)
          .setSign(false)
          .setAllowEmpty(true)
          .call()
          .getName();
    }
  }
}

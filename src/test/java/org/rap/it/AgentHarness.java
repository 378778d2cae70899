package org.rap.it;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.rap.common.model.JobDefinition;

/**
 * What the agent ITs share: a study repository made on the fly, RUNJOB definitions as the
 * controller builds them, the agent jar started against a {@link ScriptedController}, and Docker
 * seen from outside (the {@code docker} CLI, as an operator would).
 */
public final class AgentHarness {
  public static final String TOKEN = "agent-secret";
  public static final String IMAGE = "ghcr.io/opensafely-core/python:v2";

  /** 2025-11-22: the job log directory is {@code logs/2025-11/os-job-<id>}. */
  static final long CREATED_AT = 1_763_769_600L;

  static final String LOG_MONTH = "2025-11";
  private static final SecureRandom RANDOM = new SecureRandom();

  public final Path workdir;
  public final String repo;
  public final String commit;

  /**
   * A study repository at {@code dir} with {@code project.yaml} and the given files, committed on
   * main.
   */
  public AgentHarness(Path tmp, String projectYaml, Map<String, String> files) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("study"));
    Files.writeString(dir.resolve("project.yaml"), projectYaml);
    for (var f : files.entrySet()) {
      Path p = dir.resolve(f.getKey());
      Files.createDirectories(p.getParent());
      Files.writeString(p, f.getValue());
    }
    try (Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call()) {
      git.add().addFilepattern(".").call();
      PersonIdent who = new PersonIdent("RAP test", "rap@example.org");
      commit =
          git.commit()
              .setMessage("study")
              .setAuthor(who)
              .setCommitter(who)
              .setSign(false)
              .call()
              .getName();
    }
    repo = dir.toAbsolutePath().toString();
    workdir = Files.createDirectories(tmp.resolve("agent"));
  }

  public static String newJobId() {
    String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 16; i++) {
      sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  /**
   * A RUNJOB definition (docs/spec/job-model.md section 6.1) running {@code sh -c <script>} in
   * {@link #IMAGE}.
   */
  public JsonObject definition(
      String jobId,
      String workspace,
      String action,
      String script,
      Map<String, String> outputs,
      List<String> inputJobIds) {
    JsonObject spec = new JsonObject();
    outputs.forEach(spec::put);
    return new JsonObject()
        .put("id", jobId)
        .put("rap_id", "rap" + jobId.substring(0, 8))
        .put("task_id", jobId + "-001")
        .put("repo_url", repo)
        .put("commit", commit)
        .put(
            "study",
            new JsonObject().put("git_repo_url", repo).put("commit", commit).put("branch", "main"))
        .put("workspace", workspace)
        .put("action", action)
        .put("created_at", CREATED_AT)
        .put("image", IMAGE)
        .putNull("image_sha")
        .put("args", new JsonArray().add("sh").add("-c").add(script))
        .put("env", new JsonObject().put("OPENSAFELY_BACKEND", "test"))
        .put("inputs", new JsonArray())
        .put("input_job_ids", new JsonArray(inputJobIds))
        .put("output_spec", spec)
        .put("allow_database_access", false)
        .putNull("database_name")
        .put("user", "alice")
        .put("cpu_count", 1.0)
        .put("memory_limit", "256M")
        .put("level4_max_filesize", 16_777_216L)
        .put("level4_max_csv_rows", 5000)
        .put("level4_file_types", new JsonArray(JobDefinition.DEFAULT_LEVEL4_FILE_TYPES));
  }

  /** {@code java -jar target/rap.jar --role=agent} polling {@code controller}. */
  public JarProcess startAgent(ScriptedController controller) throws IOException {
    return startAgent(controller, Map.of(), List.of());
  }

  /**
   * As {@link #startAgent(ScriptedController)}, with more (or other) settings in its environment
   * and options for its JVM (e.g. {@code -Xmx256m}).
   */
  public JarProcess startAgent(
      ScriptedController controller, Map<String, String> moreEnv, List<String> jvmOptions)
      throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("BACKENDS", "test");
    env.put("BACKEND", "test");
    env.put("WORKDIR", workdir.toString());
    env.put("ALLOW_LOCAL_GIT_REPOS", "true");
    env.put("CONTROLLER_TASK_API_ENDPOINT", controller.endpoint());
    env.put("CONTROLLER_TASK_API_TOKEN", TOKEN);
    env.put("USING_DUMMY_DATA_BACKEND", "true");
    env.put("LOCAL_IMAGES_ONLY", "true");
    env.put("JOB_LOOP_INTERVAL", "0.2");
    env.put("STATS_POLL_INTERVAL", "1");
    env.put("AGENT_HOST", "127.0.0.1");
    env.put("AGENT_PORT", String.valueOf(JarProcess.freePort()));
    env.putAll(moreEnv);
    return JarProcess.start(jvmOptions, env, "--role=agent");
  }

  public Path high(String workspace) {
    return workdir.resolve("high_privacy/workspaces").resolve(workspace);
  }

  public Path medium(String workspace) {
    return workdir.resolve("medium_privacy/workspaces").resolve(workspace);
  }

  public Path logDir(String jobId) {
    return workdir.resolve("high_privacy/logs").resolve(LOG_MONTH).resolve("os-job-" + jobId);
  }

  public Path volume(String jobId) {
    return workdir.resolve("high_privacy/volumes").resolve(jobId);
  }

  /** Every {@code metadata.json} of a job anywhere under the log tree. */
  public List<Path> metadataFiles(String jobId) throws IOException {
    try (var s = Files.walk(workdir.resolve("high_privacy/logs"))) {
      return s.filter(p -> p.getFileName().toString().equals("metadata.json"))
          .filter(p -> p.getParent().getFileName().toString().equals("os-job-" + jobId))
          .toList();
    }
  }

  // ------------------------------------------------------------------------------ docker CLI

  public static String docker(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("docker"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("docker " + String.join(" ", args) + " did not finish");
    }
    return out.strip();
  }

  /** The JSON of {@code docker container inspect <name>}, or null when there is none. */
  public static JsonObject inspect(String name) throws Exception {
    String out = docker("container", "inspect", name);
    if (!out.startsWith("[")) {
      return null;
    }
    JsonArray a = new JsonArray(out);
    return a.isEmpty() ? null : a.getJsonObject(0);
  }

  public static void removeContainer(String name) {
    try {
      docker("rm", "-f", name);
    } catch (Exception e) {
      System.err.println("could not remove " + name + ": " + e);
    }
  }

  /**
   * {@code docker events} for one container name, from {@code sinceEpochSeconds} (so nothing that
   * happened before the subscription is missed): each line {@code <action> <container id>}.
   */
  public static final class ContainerEvents implements AutoCloseable {
    public final List<String> lines = new CopyOnWriteArrayList<>();
    private final Process process;

    public ContainerEvents(String containerName, long sinceEpochSeconds) throws IOException {
      process =
          new ProcessBuilder(
                  "docker",
                  "events",
                  "--since",
                  String.valueOf(sinceEpochSeconds),
                  "--filter",
                  "type=container",
                  "--filter",
                  "container=" + containerName,
                  "--format",
                  "{{.Action}} {{.Actor.ID}}")
              .redirectErrorStream(true)
              .start();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = r.readLine()) != null) {
                    lines.add(line.strip());
                  }
                } catch (IOException e) {
                  // stream closed at the end
                }
              },
              "docker-events-" + containerName);
      reader.setDaemon(true);
      reader.start();
    }

    /** Container ids of the events with this action (e.g. {@code create}). */
    public List<String> ids(String action) {
      return lines.stream()
          .filter(l -> l.startsWith(action + " "))
          .map(l -> l.substring(action.length() + 1))
          .toList();
    }

    @Override
    public void close() {
      process.destroy();
    }
  }
}

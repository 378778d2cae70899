package org.rap.controller.planning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rap.controller.planning.TestProjects.action;
import static org.rap.controller.planning.TestProjects.pipeline;
import static org.rap.controller.planning.TestProjects.request;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.git.GitRepos;
import org.rap.common.git.GitSettings;
import org.rap.common.git.TestRepos;
import org.rap.common.model.Job;
import org.rap.common.pipeline.Pipeline;

/**
 * Reusable actions (docs/spec/scheduling.md section 6.7) against real action repositories on disk.
 */
class ReusableActionsTest {
  @TempDir Path tmp;
  private TestRepos repo;
  private Path base;
  private String url;
  private final Map<String, String> commits = new HashMap<>();
  private GitRepos repos;

  @BeforeEach
  void setUp() throws Exception {
    base = tmp.resolve("actions");
    repo = TestRepos.create(base, "my-action");
    url = base.resolve("my-action").toString();
    tag("v1.0", true, Map.of("action.yaml", "run: python:v2 /action/main.py --from-action\n"));
    tag("v1.1", false, Map.of("action.yaml", "run: r:latest /action/main.R\n"));
    Map<String, String> delete = new HashMap<>();
    delete.put("action.yaml", null);
    tag("v-missing", false, delete);
    tag("v-runtime", false, Map.of("action.yaml", "run: foo:v1 x\n"));
    tag("v-norun", false, Map.of("action.yaml", "name: nothing\n"));
    tag("v-db", false, Map.of("action.yaml", "run: ehrql:v1 generate-dataset x.py\n"));
    tag("v-yaml", false, Map.of("action.yaml", "run: [unclosed\n"));
    repo.checkoutNewBranch("feature");
    tag("v2.0", false, Map.of("action.yaml", "run: python:v2 /action/new.py\n"));
    repo.checkoutBranch("main");
    repos = new GitRepos(settings(true));
  }

  @AfterEach
  void tearDown() throws Exception {
    repo.close();
  }

  private void tag(String tag, boolean annotated, Map<String, String> files) throws Exception {
    String sha = repo.commit("release " + tag, files);
    commits.put(tag, sha);
    if (annotated) {
      repo.annotatedTag(tag, sha);
    } else {
      repo.lightweightTag(tag, sha);
    }
  }

  private GitSettings settings(boolean allowLocal) {
    return new GitSettings(
        tmp.resolve("workdir/repos"),
        "proxy.example.org",
        Optional.empty(),
        "jobrunner-ctrl",
        List.of("opensafely"),
        allowLocal,
        1,
        Duration.ZERO);
  }

  private ReusableActions resolver() {
    return new ReusableActions(
        repos, new PlanningConfig(base.toString(), PlanningConfig.ALLOWED_IMAGES));
  }

  private static List<Job> planned(Pipeline p, String... requested) throws Exception {
    Plan plan =
        JobPlanner.plan(request(requested).build(), p, Map.of(), Instant.EPOCH, new Random(1));
    return assertInstanceOf(Plan.NewJobs.class, plan).jobs();
  }

  private String error(String run) throws Exception {
    List<Job> jobs = planned(pipeline(action("my_action", run)), "my_action");
    return assertThrows(JobCreationException.class, () -> resolver().resolve(jobs)).getMessage();
  }

  @Test
  void rewritesTheRunCommandAndRecordsTheActionRepoAndCommit() throws Exception {
    Pipeline p =
        pipeline(
            action("uses_action", "my-action:v1.0 --input 'output/a b.csv'", Map.of("k", "v")),
            action("plain", "python:v2 analysis/x.py"));
    List<Job> jobs = resolver().resolve(planned(p, "run_all"));
    Job reusable = jobs.get(0);
    assertEquals(
        "python:v2 /action/main.py --from-action --input 'output/a b.csv' --config '{\"k\": \"v\"}'",
        reusable.runCommand());
    assertEquals(url, reusable.actionRepoUrl());
    assertEquals(
        commits.get("v1.0"), reusable.actionCommit(), "annotated tag dereferenced to its commit");
    Job plain = jobs.get(1);
    assertEquals("python:v2 analysis/x.py", plain.runCommand());
    assertNull(plain.actionRepoUrl());
    assertNull(plain.actionCommit());
  }

  @Test
  void onlyJobsOfAllowedImagesNeedNoResolution() throws Exception {
    List<Job> plain =
        planned(
            pipeline(action("a", "python:v2 analysis/x.py"), action("b", "r:latest x.R")),
            "run_all");
    assertTrue(resolver().allAllowed(plain));
    assertEquals(plain, resolver().resolve(plain), "allowed images are kept as they are");
    assertEquals(0, repos.lsRemoteCount());
    List<Job> mixed =
        planned(
            pipeline(action("a", "python:v2 analysis/x.py"), action("u", "my-action:v1.0 x")),
            "run_all");
    Assertions.assertFalse(resolver().allAllowed(mixed));
    Assertions.assertFalse(resolver().allAllowed(planned(pipeline(action("q", "'..:v1'")), "q")));
  }

  @Test
  void resolutionsAreCachedPerImageAndTag() throws Exception {
    Pipeline p =
        pipeline(
            action("one", "my-action:v1.1 a"),
            action("two", "my-action:v1.1 b"),
            action("three", "my-action:v1.0 c"));
    List<Job> jobs = resolver().resolve(planned(p, "run_all"));
    assertEquals("r:latest /action/main.R b", jobs.get(1).runCommand());
    // one ls-remote for the tag plus one for main per distinct (image, tag)
    assertEquals(4, repos.lsRemoteCount());
  }

  @Test
  void errorsCarryTheActionPrefixAndTheReferenceText() throws Exception {
    assertEquals(
        "in 'my_action: my-action:v9' 'v9' is not a tag listed in " + url + "/tags",
        error("my-action:v9 x"));
    String missing = base.resolve("no-such-action").toString();
    assertEquals(
        "in 'my_action: no-such-action:v1' could not find a repo at "
            + missing
            + "\nCheck that 'no-such-action' is in the list of available actions at https://actions.opensafely.org",
        error("no-such-action:v1"));
    assertEquals(
        "in 'my_action: my-action:v2.0' tag 'v2.0' has not yet been approved for use (not merged into main branch)",
        error("my-action:v2.0"));
    assertEquals(
        "in 'my_action: my-action:v-missing' "
            + url
            + "/tree/v-missing doesn't look like a valid action (no 'action.yaml' file present)",
        error("my-action:v-missing"));
    assertEquals(
        "in 'my_action: my-action:v-norun' invalid action, please open an issue on "
            + url
            + "/issues\n\n  ReusableActionError: Missing `run` key in 'action.yaml'",
        error("my-action:v-norun"));
    assertEquals(
        "in 'my_action: my-action:v-runtime' invalid action, please open an issue on "
            + url
            + "/issues\n\n  ReusableActionError: Unrecognised runtime: foo",
        error("my-action:v-runtime"));
    assertEquals(
        "in 'my_action: my-action:v-db' invalid action, please open an issue on "
            + url
            + "/issues\n\n  ReusableActionError: Re-usable actions cannot run commands which access the database",
        error("my-action:v-db"));
    String yaml = error("my-action:v-yaml");
    assertTrue(
        yaml.startsWith(
            "in 'my_action: my-action:v-yaml' invalid action, please open an issue on "
                + url
                + "/issues\n\n  YAMLError: "),
        yaml);
    for (String line : yaml.substring(yaml.indexOf("\n\n") + 2).split("\n")) {
      assertTrue(line.isBlank() || line.startsWith("  "), "indented: " + line);
    }
    // the prefix shows the first word of the (quoted) run command, as the reference does
    assertEquals(
        "in 'my_action: 'bad!name:v1'' 'bad!name' contains invalid characters",
        error("'bad!name:v1'"));
  }

  @Test
  void githubBaseChecksTheRepositoryShape() throws Exception {
    ReusableActions https = new ReusableActions(repos, PlanningConfig.defaults());
    List<Job> jobs = planned(pipeline(action("a", "'..:v1'")), "a");
    assertEquals(
        "in 'a: ..:v1' '..' contains invalid characters",
        assertThrows(JobCreationException.class, () -> https.resolve(jobs)).getMessage());
    assertEquals(
        "https://github.com/opensafely-actions", PlanningConfig.defaults().actionsRepoBase());
    assertEquals("opensafely-actions", PlanningConfig.defaults().actionsOrg());
  }

  @Test
  void localActionRepositoriesNeedAllowLocalGitRepos() throws Exception {
    ReusableActions strict =
        new ReusableActions(
            new GitRepos(settings(false)),
            new PlanningConfig(base.toString(), PlanningConfig.ALLOWED_IMAGES));
    List<Job> jobs = planned(pipeline(action("a", "my-action:v1.0")), "a");
    assertTrue(
        assertThrows(JobCreationException.class, () -> strict.resolve(jobs))
            .getMessage()
            .contains("ALLOW_LOCAL_GIT_REPOS"));
  }
}

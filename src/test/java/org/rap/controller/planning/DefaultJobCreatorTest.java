package org.rap.controller.planning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rap.controller.planning.TestProjects.request;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rap.common.async.KeyedSequencer;
import org.rap.common.config.ControllerConfig;
import org.rap.common.config.Settings;
import org.rap.common.git.GitService;
import org.rap.common.git.GitSettings;
import org.rap.common.git.TestRepos;
import org.rap.common.model.Job;
import org.rap.common.model.JobIds;
import org.rap.common.model.JobSpec;
import org.rap.common.model.JobStatus;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.controller.ControllerContext;
import org.rap.controller.ControllerEvents;
import org.rap.controller.db.Database;
import org.rap.testing.TestDatabases;

/**
 * Job creation end to end on real SQLite and PostgreSQL, with a real git repository holding the
 * project.yaml and a real action repository.
 */
class DefaultJobCreatorTest {
  private static final String PROJECT =
      """
      version: '4'
      actions:
        generate:
          run: ehrql:v1 generate-dataset analysis/dataset.py --output output/dataset.csv.gz
          outputs:
            highly_sensitive:
              dataset: output/dataset.csv.gz
        prepare:
          run: python:v2 analysis/prepare.py
          needs: [generate]
          config:
            label: "it's"
          outputs:
            highly_sensitive:
              prepared: output/prepared.csv
        analyse:
          run: my-action:v1.0 --input output/prepared.csv
          needs: [prepare]
          outputs:
            moderately_sensitive:
              table: output/table.csv
        broken_action:
          run: my-action:v9 --input output/prepared.csv
          needs: [prepare]
          outputs:
            moderately_sensitive:
              table: output/broken.csv
      """;

  @TempDir Path tmp;
  private final Vertx vertx = Vertx.vertx();
  private Database db;
  private ControllerContext ctx;
  private DefaultJobCreator creator;
  private TestRepos study;
  private TestRepos action;
  private String commit;
  private final List<JsonObject> events = new CopyOnWriteArrayList<>();

  static List<String> dialects() {
    return TestDatabases.dialects();
  }

  private void setUp(String dialect) throws Exception {
    db = TestDatabases.open(vertx, dialect);
    ControllerConfig config =
        ControllerConfig.from(
            Settings.of(
                Map.of(
                    "BACKENDS", "test,tpp",
                    "WORKDIR", tmp.resolve("workdir").toString(),
                    "ALLOW_LOCAL_GIT_REPOS", "true")));
    ctx = ControllerContext.of(config, db);
    study = TestRepos.create(tmp, "study");
    commit = study.commit("project", Map.of("project.yaml", PROJECT));
    action = TestRepos.create(tmp.resolve("actions"), "my-action");
    String actionCommit =
        action.commit("action", Map.of("action.yaml", "run: python:v2 /action/main.py\n"));
    action.annotatedTag("v1.0", actionCommit);
    GitService git =
        new GitService(
            vertx,
            GitSettings.forController(config.common()).withRetries(2, Duration.ofMillis(10)));
    creator =
        new DefaultJobCreator(
            vertx,
            ctx,
            git,
            new FakeProjectParser(),
            new PlanningConfig(tmp.resolve("actions").toString(), PlanningConfig.ALLOWED_IMAGES),
            Clock.systemUTC());
    vertx.eventBus().<JsonObject>consumer(ControllerEvents.JOB_CREATED, m -> events.add(m.body()));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (study != null) {
      study.close();
      action.close();
    }
    if (db != null) {
      db.closeAsync().await();
    }
    vertx.close().await();
  }

  private TestProjects.Request req(String... actions) {
    return request(actions).repo(study.dir().toString()).commit(commit);
  }

  private CreateOutcome create(TestProjects.Request r) throws Exception {
    return creator.create(r.build()).await(60, TimeUnit.SECONDS);
  }

  private String error(TestProjects.Request r) {
    Throwable e = assertThrows(Throwable.class, () -> create(r));
    assertInstanceOf(JobCreationException.class, e, () -> "known error expected, got " + e);
    return e.getMessage();
  }

  private List<Job> rapJobs(String rapId) {
    return ctx.jobs().findByRapIds(db.pool(), List.of(rapId)).await();
  }

  private List<Job> allJobs() {
    return ctx.jobs().findActive(db.pool()).await();
  }

  private void setState(Job job, State state, StatusCode code) {
    Job updated =
        job.withStatus(
            state,
            code,
            "m",
            job.createdAt(),
            null,
            job.createdAt(),
            job.statusCodeUpdatedAt() + 1);
    assertTrue(ctx.jobs().updateStatus(db.pool(), updated, job.statusCode()).await());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void createsEveryNewJobInOneTransactionAndPublishes(String dialect) throws Exception {
    setUp(dialect);
    CreateOutcome outcome = create(req("analyse"));
    List<Job> jobs = assertInstanceOf(CreateOutcome.Created.class, outcome).jobs();
    assertEquals(
        List.of("generate", "prepare", "analyse"), jobs.stream().map(Job::action).toList());
    assertEquals(
        Set.copyOf(jobs), Set.copyOf(rapJobs(TestProjects.RAP)), "stored exactly as planned");

    Job prepare = jobs.get(1);
    assertEquals(
        "python:v2 analysis/prepare.py --config '{\"label\": \"it\\u0027s\"}'",
        prepare.runCommand());
    assertEquals(List.of(JobIds.jobId(TestProjects.RAP, "generate")), prepare.waitForJobIds());
    Job analyse = jobs.get(2);
    assertEquals("python:v2 /action/main.py --input output/prepared.csv", analyse.runCommand());
    assertEquals(action.dir().toString(), analyse.actionRepoUrl());
    assertEquals(40, analyse.actionCommit().length());
    assertTrue(jobs.get(0).requiresDb());
    assertEquals(Map.of("dataset_permissions", List.of()), jobs.get(0).analysisScope());

    waitForEvents(1);
    assertEquals(new JsonObject().put("backend", "test").put("count", 3), events.get(0));
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void laterRequestsSeeTheWorkspaceState(String dialect) throws Exception {
    setUp(dialect);
    create(req("prepare"));
    // everything requested is already pending
    assertEquals(
        new CreateOutcome.NothingToDo("All requested actions were already scheduled to run"),
        create(req("prepare").rap("secondrap0000002")));
    assertTrue(rapJobs("secondrap0000002").isEmpty());

    List<Job> first = rapJobs(TestProjects.RAP);
    setState(byAction(first, "generate"), State.SUCCEEDED, StatusCode.SUCCEEDED);
    setState(byAction(first, "prepare"), State.FAILED, StatusCode.NONZERO_EXIT);
    List<Job> third =
        assertInstanceOf(
                CreateOutcome.Created.class, create(req("analyse").rap("thirdrap00000003")))
            .jobs();
    assertEquals(
        List.of("prepare", "analyse"),
        third.stream().map(Job::action).toList(),
        "failed dependency re-run, succeeded one reused");
    assertEquals(List.of(), third.get(0).waitForJobIds());
    assertEquals(List.of(third.get(0).id()), third.get(1).waitForJobIds());

    // other backends never count
    List<Job> tpp =
        assertInstanceOf(
                CreateOutcome.Created.class,
                create(req("prepare").rap("tpprap0000000004").backend("tpp")))
            .jobs();
    assertEquals(List.of("generate", "prepare"), tpp.stream().map(Job::action).toList());

    // cancelled jobs are ignored: the action gets a new job
    ctx.jobs()
        .markCancelled(db.pool(), "tpprap0000000004", List.of("generate", "prepare"), 1L)
        .await();
    List<Job> again =
        assertInstanceOf(
                CreateOutcome.Created.class,
                create(req("prepare").rap("tpprap0000000005").backend("tpp")))
            .jobs();
    assertEquals(List.of("generate", "prepare"), again.stream().map(Job::action).toList());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void knownErrorsAreReturnedVerbatimAndInsertNothing(String dialect) throws Exception {
    setUp(dialect);
    assertEquals(
        "Invalid backend 'emis', allowed are: test, tpp", error(req("prepare").backend("emis")));
    assertEquals("Workspace name cannot be blank", error(req("prepare").workspace("")));
    assertEquals(
        "Repository URL https://gitlab.com/opensafely/study does not start with https://github.com",
        error(req("prepare").repo("https://gitlab.com/opensafely/study")));
    assertEquals("Action 'nope' not found in project.yaml", error(req("nope")));

    String unknown = "0123456789abcdef0123456789abcdef01234567";
    assertEquals(
        "Error fetching commit " + unknown + " from " + study.dir(),
        error(req("prepare").commit(unknown)));

    String noProject = study.commit("remove project", mapWithNull("project.yaml"));
    assertEquals(
        "No project.yaml file found in " + study.dir(), error(req("prepare").commit(noProject)));

    String invalid =
        study.commit("invalid project", Map.of("project.yaml", "version: '9'\nactions: {}\n"));
    assertEquals(FakeProjectParser.INVALID_MESSAGE, error(req("prepare").commit(invalid)));

    // refused by its size in git, before it is read
    String huge = PROJECT + "#" + "x".repeat(3 * 1024 * 1024) + "\n";
    String large = study.commit("huge project", Map.of("project.yaml", huge));
    assertEquals(
        "Invalid project: \nProject file is too large: "
            + huge.length()
            + " bytes (the limit is 2097152 bytes)",
        error(req("prepare").commit(large)));
    assertEquals(
        "Workspace name is too long: 201 characters (the limit is 200)",
        error(req("prepare").workspace("w".repeat(201))));

    // a reusable-action error in the second new job: the first is not inserted either
    assertEquals(
        "in 'broken_action: my-action:v9' 'v9' is not a tag listed in " + action.dir() + "/tags",
        error(req("broken_action")));
    assertTrue(allJobs().isEmpty());
    assertTrue(events.isEmpty());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void staleCodelistsNameTheFirstNewDatabaseJob(String dialect) throws Exception {
    setUp(dialect);
    assertEquals(
        "Codelists are out of date (required by action generate)",
        error(req("prepare").staleCodelists()));
    assertTrue(allJobs().isEmpty());

    // no new database job: stale codelists do not matter
    create(req("generate"));
    Job generate = rapJobs(TestProjects.RAP).get(0);
    setState(generate, State.SUCCEEDED, StatusCode.SUCCEEDED);
    List<Job> created =
        assertInstanceOf(
                CreateOutcome.Created.class,
                create(req("prepare").rap("staleok000000002").staleCodelists()))
            .jobs();
    assertEquals(List.of("prepare"), created.stream().map(Job::action).toList());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void aDatabaseFailureRollsBackEveryJobOfTheRequest(String dialect) throws Exception {
    setUp(dialect);
    // another workspace already holds the id this request's "prepare" job would get
    Job clash = TestProjects.existing(TestProjects.RAP, "prepare", State.PENDING);
    Job elsewhere =
        new Job(
            new JobSpec(
                clash.id(),
                clash.rapId(),
                "test",
                "other-workspace",
                clash.action(),
                clash.createdAt(),
                new JobSpec.Source(clash.repoUrl(), clash.commit(), "main", null, null),
                new JobSpec.Run(
                    clash.runCommand(), clash.outputSpec(), false, clash.databaseName(), Map.of()),
                new JobSpec.Needs(List.of(), List.of()),
                new JobSpec.Origin("bob", "p", List.of(), Map.of())),
            new JobStatus(
                clash.state(),
                clash.statusCode(),
                clash.statusMessage(),
                false,
                clash.updatedAt(),
                null,
                null,
                clash.statusCodeUpdatedAt()));
    db.inTransaction(c -> ctx.jobs().insertAll(c, List.of(elsewhere))).await();

    Throwable e = assertThrows(Throwable.class, () -> create(req("prepare")));
    assertFalse(e instanceof JobCreationException, "a database error is not a known error: " + e);
    List<Job> stored = rapJobs(TestProjects.RAP);
    assertEquals(1, stored.size(), "generate was rolled back with prepare");
    assertEquals("other-workspace", stored.get(0).workspace());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void concurrentRequestsForOneWorkspaceAreSerialised(String dialect) throws Exception {
    setUp(dialect);
    List<Future<CreateOutcome>> futures = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      futures.add(creator.create(req("prepare").rap("concurrent00000" + i).build()));
    }
    int created = 0;
    Set<String> nothing = new HashSet<>();
    for (Future<CreateOutcome> f : futures) {
      CreateOutcome o = f.await(60, TimeUnit.SECONDS);
      if (o instanceof CreateOutcome.Created) {
        created++;
      } else {
        nothing.add(((CreateOutcome.NothingToDo) o).details());
      }
    }
    assertEquals(1, created);
    assertEquals(Set.of("All requested actions were already scheduled to run"), nothing);
    assertEquals(2, allJobs().size());
    assertEquals(0, sequencerKeys());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void creatorsWithoutASharedSequencerStillPlanAgainstTheCommittedState(String dialect)
      throws Exception {
    setUp(dialect);
    // a second creator, as in another controller process: nothing serialises the two in memory;
    // each plans inside its insert transaction, so the workspace still gets one job per action
    DefaultJobCreator other =
        new DefaultJobCreator(
            vertx,
            ctx,
            new GitService(vertx, GitSettings.forController(ctx.config().common())),
            new FakeProjectParser(),
            new PlanningConfig(tmp.resolve("actions").toString(), PlanningConfig.ALLOWED_IMAGES),
            Clock.systemUTC());
    List<Future<CreateOutcome>> futures = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      futures.add(
          (i % 2 == 0 ? creator : other).create(req("prepare").rap("twocreators0000" + i).build()));
    }
    int created = 0;
    for (Future<CreateOutcome> f : futures) {
      if (f.await(60, TimeUnit.SECONDS) instanceof CreateOutcome.Created) {
        created++;
      }
    }
    assertEquals(1, created);
    assertEquals(
        List.of("generate", "prepare"), allJobs().stream().map(Job::action).sorted().toList());
  }

  private int sequencerKeys() throws Exception {
    Field f = DefaultJobCreator.class.getDeclaredField("sequencer");
    f.setAccessible(true);
    return ((KeyedSequencer) f.get(creator)).activeKeys();
  }

  private static Job byAction(List<Job> jobs, String action) {
    return jobs.stream().filter(j -> j.action().equals(action)).findFirst().orElseThrow();
  }

  private static Map<String, String> mapWithNull(String key) {
    Map<String, String> m = new HashMap<>();
    m.put(key, null);
    return m;
  }

  private void waitForEvents(int n) throws InterruptedException {
    for (int i = 0; i < 200 && events.size() < n; i++) {
      Thread.sleep(10);
    }
    assertEquals(n, events.size());
  }
}

package org.rap.controller.planning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rap.controller.planning.TestProjects.COMMIT;
import static org.rap.controller.planning.TestProjects.RAP;
import static org.rap.controller.planning.TestProjects.action;
import static org.rap.controller.planning.TestProjects.existing;
import static org.rap.controller.planning.TestProjects.pipeline;
import static org.rap.controller.planning.TestProjects.request;
import static org.rap.controller.planning.TestProjects.state;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.rap.common.model.Job;
import org.rap.common.model.JobIds;
import org.rap.common.model.State;
import org.rap.common.model.StatusCode;
import org.rap.common.pipeline.Action;
import org.rap.common.pipeline.Pipeline;
import org.rap.common.pipeline.PythonJson;

/** Every behaviour of docs/spec/scheduling.md section 6.4 to 6.6, on the pure planner. */
class JobPlannerTest {
  private static final Instant NOW = Instant.ofEpochSecond(1_767_225_600L, 123_456_789);
  private static final String OLD = "oldrap0000000001";

  private static final Pipeline CHAIN =
      pipeline(
          action("generate", "ehrql:v1 generate-dataset analysis/dataset.py --output output/d.csv"),
          action("prepare", "python:v2 analysis/prepare.py", "generate"),
          action("analyse", "r:latest analysis/analyse.R", "prepare"),
          action("report", "python:v2 analysis/report.py", "analyse", "generate"));

  private static Plan plan(TestProjects.Request r, Pipeline p, Map<String, Job> state)
      throws Exception {
    return JobPlanner.plan(r.build(), p, state, NOW, new Random(42));
  }

  private static List<Job> jobs(Plan plan) {
    return assertInstanceOf(Plan.NewJobs.class, plan).jobs();
  }

  private static List<String> actions(List<Job> jobs) {
    return jobs.stream().map(Job::action).toList();
  }

  private static String id(String action) {
    return JobIds.jobId(RAP, action);
  }

  @Test
  void newJobCarriesTheRequestAndTheAction() throws Exception {
    TestProjects.Request r =
        request("prepare").scope(Map.of("dataset_permissions", List.of("ukrr")));
    List<Job> jobs = jobs(plan(r, CHAIN, Map.of()));
    Job job = jobs.get(1);
    assertEquals(id("prepare"), job.id());
    assertEquals(RAP, job.rapId());
    assertEquals(State.PENDING, job.state());
    assertEquals(StatusCode.CREATED, job.statusCode());
    assertEquals("Created", job.statusMessage());
    assertEquals(NOW.getEpochSecond(), job.createdAt());
    assertEquals(NOW.getEpochSecond(), job.updatedAt());
    assertEquals(1_767_225_600_123_456_789L, job.statusCodeUpdatedAt());
    assertNull(job.startedAt());
    assertNull(job.completedAt());
    assertEquals("https://github.com/opensafely/study", job.repoUrl());
    assertEquals(COMMIT, job.commit());
    assertEquals("my-workspace", job.workspace());
    assertEquals("default", job.databaseName());
    assertEquals("test", job.backend());
    assertEquals("main", job.branch());
    assertEquals("alice", job.user());
    assertEquals("my-project", job.project());
    assertEquals(List.of("opensafely"), job.orgs());
    assertEquals(List.of("generate"), job.requiresOutputsFrom());
    assertEquals(List.of(id("generate")), job.waitForJobIds());
    assertEquals("python:v2 analysis/prepare.py", job.runCommand());
    assertEquals(
        Map.of("moderately_sensitive", Map.of("prepare", "output/prepare.csv")), job.outputSpec());
    assertEquals(false, job.requiresDb());
    assertEquals(Map.of(), job.analysisScope(), "non-DB jobs store {}");
    assertNull(job.actionRepoUrl());
    assertNull(job.actionCommit());
    assertEquals(false, job.cancelled());
    assertTrue(job.traceContext().get("traceparent").matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"));

    Job db = jobs.get(0);
    assertEquals(true, db.requiresDb());
    assertEquals(Map.of("dataset_permissions", List.of("ukrr")), db.analysisScope());
  }

  @Test
  void jobIdsAreDeterministicAndTraceIdsUnique() throws Exception {
    List<Job> a = jobs(plan(request("run_all"), CHAIN, Map.of()));
    List<Job> b =
        jobs(JobPlanner.plan(request("run_all").build(), CHAIN, Map.of(), NOW, new Random(7)));
    assertEquals(a.stream().map(Job::id).toList(), b.stream().map(Job::id).toList());
    Set<String> traces = new HashSet<>();
    a.forEach(j -> traces.add(j.traceContext().get("traceparent")));
    b.forEach(j -> traces.add(j.traceContext().get("traceparent")));
    assertEquals(8, traces.size());
  }

  @Test
  void needsAreBuiltDepthFirstBeforeTheActionThatNeedsThem() throws Exception {
    List<Job> jobs = jobs(plan(request("report"), CHAIN, Map.of()));
    assertEquals(List.of("generate", "prepare", "analyse", "report"), actions(jobs));
    assertEquals(List.of(), jobs.get(0).waitForJobIds());
    assertEquals(List.of(id("prepare")), jobs.get(2).waitForJobIds());
    assertEquals(
        List.of(id("analyse"), id("generate")), jobs.get(3).waitForJobIds(), "needs order");
    assertEquals(List.of("analyse", "generate"), jobs.get(3).requiresOutputsFrom());
  }

  @Test
  void runAllStartsFromEveryActionInFileOrderExceptAUserRunAll() throws Exception {
    Pipeline p =
        pipeline(
            action("b_second", "python:v2 b.py", "c_first"),
            action("c_first", "python:v2 c.py"),
            action("run_all", "python:v2 everything.py"),
            action("a_third", "python:v2 a.py"));
    assertEquals(
        List.of("c_first", "b_second", "a_third"),
        actions(jobs(plan(request("run_all"), p, Map.of()))));
  }

  @Test
  void pendingOrRunningJobsAreReusedAndWaitedFor() throws Exception {
    for (State s : List.of(State.PENDING, State.RUNNING)) {
      Job gen = existing(OLD, "generate", s);
      List<Job> jobs = jobs(plan(request("prepare"), CHAIN, state(gen)));
      assertEquals(List.of("prepare"), actions(jobs));
      assertEquals(List.of(gen.id()), jobs.get(0).waitForJobIds());
    }
    // even when requested literally, an active job is never duplicated
    Job gen = existing(OLD, "generate", State.RUNNING);
    List<Job> jobs = jobs(plan(request("generate", "prepare"), CHAIN, state(gen)));
    assertEquals(List.of("prepare"), actions(jobs));
    assertEquals(List.of(gen.id()), jobs.get(0).waitForJobIds());
  }

  @Test
  void succeededDependenciesAreReusedWithoutWaiting() throws Exception {
    List<Job> jobs =
        jobs(plan(request("prepare"), CHAIN, state(existing(OLD, "generate", State.SUCCEEDED))));
    assertEquals(List.of("prepare"), actions(jobs));
    assertEquals(List.of(), jobs.get(0).waitForJobIds());
    assertEquals(List.of("generate"), jobs.get(0).requiresOutputsFrom());
  }

  @Test
  void failedDependenciesAreRerun() throws Exception {
    List<Job> jobs =
        jobs(plan(request("prepare"), CHAIN, state(existing(OLD, "generate", State.FAILED))));
    assertEquals(List.of("generate", "prepare"), actions(jobs));
    assertEquals(List.of(id("generate")), jobs.get(1).waitForJobIds());
  }

  @Test
  void requestedActionsAreRerunEvenWhenTheySucceeded() throws Exception {
    Map<String, Job> st =
        state(
            existing(OLD, "generate", State.SUCCEEDED), existing(OLD, "prepare", State.SUCCEEDED));
    assertEquals(List.of("prepare"), actions(jobs(plan(request("prepare"), CHAIN, st))));
    assertEquals(
        List.of("generate", "prepare"),
        actions(jobs(plan(request("prepare", "generate"), CHAIN, st))));
  }

  @Test
  void forceRunDependenciesRerunsSucceededDependenciesButNotActiveOnes() throws Exception {
    Map<String, Job> st =
        state(
            existing(OLD, "generate", State.SUCCEEDED), existing(OLD, "prepare", State.SUCCEEDED));
    assertEquals(
        List.of("generate", "prepare", "analyse"),
        actions(jobs(plan(request("analyse").force(), CHAIN, st))));
    Map<String, Job> active =
        state(existing(OLD, "generate", State.RUNNING), existing(OLD, "prepare", State.SUCCEEDED));
    List<Job> jobs = jobs(plan(request("analyse").force(), CHAIN, active));
    assertEquals(List.of("prepare", "analyse"), actions(jobs));
    assertEquals(List.of(active.get("generate").id()), jobs.get(0).waitForJobIds());
  }

  @Test
  void runAllSkipsSucceededActionsAndRerunsFailedOnes() throws Exception {
    Map<String, Job> st =
        state(
            existing(OLD, "generate", State.SUCCEEDED),
            existing(OLD, "prepare", State.FAILED),
            existing(OLD, "analyse", State.SUCCEEDED));
    List<Job> jobs = jobs(plan(request("run_all"), CHAIN, st));
    // analyse succeeded before, but it is not requested literally: it is reused even though its
    // input is being re-run
    assertEquals(List.of("prepare", "report"), actions(jobs));
    assertEquals(List.of(), jobs.get(0).waitForJobIds(), "generate succeeded: nothing to wait for");
    assertEquals(List.of(), jobs.get(1).waitForJobIds(), "analyse and generate succeeded");
  }

  @Test
  void nothingToDoTexts() throws Exception {
    Map<String, Job> done = new LinkedHashMap<>();
    for (String a : CHAIN.allActions()) {
      done.put(a, existing(OLD, a, State.SUCCEEDED));
    }
    assertEquals(
        new Plan.NothingToDo("All actions have already completed successfully"),
        plan(request("run_all"), CHAIN, done));
    Map<String, Job> running = new LinkedHashMap<>();
    for (String a : CHAIN.allActions()) {
      running.put(a, existing(OLD, a, a.equals("prepare") ? State.PENDING : State.RUNNING));
    }
    // run_all wins over the other text, as in the reference
    assertEquals(
        new Plan.NothingToDo("All actions have already completed successfully"),
        plan(request("run_all"), CHAIN, running));
    assertEquals(
        new Plan.NothingToDo("All requested actions were already scheduled to run"),
        plan(request("prepare", "analyse"), CHAIN, running));
  }

  @Test
  void unknownActions() {
    JobCreationException e =
        assertThrows(JobCreationException.class, () -> plan(request("nope"), CHAIN, Map.of()));
    assertEquals("Action 'nope' not found in project.yaml", e.getMessage());
    Pipeline broken = pipeline(action("a", "python:v2 a.py", "missing"));
    assertEquals(
        "Action 'missing' not found in project.yaml",
        assertThrows(JobCreationException.class, () -> plan(request("a"), broken, Map.of()))
            .getMessage());
  }

  @Test
  void cyclesAreRejectedInsteadOfRecursingForever() {
    Pipeline cyclic =
        pipeline(
            action("a", "python:v2 a.py", "b"),
            action("b", "python:v2 b.py", "c"),
            action("c", "python:v2 c.py", "a"));
    JobCreationException e =
        assertThrows(JobCreationException.class, () -> plan(request("a"), cyclic, Map.of()));
    assertEquals(
        "Invalid project: \nAction `a` has a circular dependency in its `needs` list: a -> b -> c -> a",
        e.getMessage());
    Pipeline self = pipeline(action("a", "python:v2 a.py", "a"));
    assertTrue(
        assertThrows(JobCreationException.class, () -> plan(request("a"), self, Map.of()))
            .getMessage()
            .endsWith("a -> a"));
  }

  @Test
  void workspaceJobsOfActionsNoLongerInTheProjectAreIgnored() throws Exception {
    Map<String, Job> st =
        state(
            existing(OLD, "removed_action", State.RUNNING),
            existing(OLD, "generate", State.SUCCEEDED));
    assertEquals(List.of("prepare"), actions(jobs(plan(request("prepare"), CHAIN, st))));
  }

  @Test
  void newJobsFollowTheReferenceOrderExistingActionsFirstByName() throws Exception {
    // The reference keeps its jobs in a dict filled from the workspace state (grouped by action
    // name) and then new actions as they are built: a re-run keeps the slot of the old job.
    Map<String, Job> st =
        state(existing(OLD, "prepare", State.FAILED), existing(OLD, "analyse", State.FAILED));
    List<Job> jobs = jobs(plan(request("report"), CHAIN, st));
    assertEquals(List.of("analyse", "prepare", "generate", "report"), actions(jobs));
  }

  @Test
  void runCommandQuotingAndConfig() throws Exception {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("name", "O'Brien");
    config.put("caf\u00e9", 1.5);
    List<Object> list = new ArrayList<>();
    list.add(1);
    list.add(true);
    list.add(null);
    list.add("\ud83d\ude00");
    config.put("list", list);
    config.put("nested", Map.of("big", 1e20));
    config.put("quote\"back\\slash", "tab\there");
    Pipeline p =
        pipeline(
            action("cfg", "python:v2 analysis/a.py --flag 'with space' ''", config),
            action("empty_cfg", "python:v2 a.py", Map.of()),
            action("plain", "stata-mp:latest analysis/m.do x=1,y@2%+:/._-"));
    List<Job> jobs = jobs(plan(request("run_all"), p, Map.of()));
    assertEquals(
        "python:v2 analysis/a.py --flag 'with space' '' --config '{\"name\": \"O\\u0027Brien\","
            + " \"caf\\u00e9\": 1.5, \"list\": [1, true, null, \"\\ud83d\\ude00\"],"
            + " \"nested\": {\"big\": 1e+20}, \"quote\\\"back\\\\slash\": \"tab\\there\"}'",
        jobs.get(0).runCommand());
    assertEquals("python:v2 a.py", jobs.get(1).runCommand(), "an empty config adds nothing");
    assertEquals("stata-mp:latest analysis/m.do x=1,y@2%+:/._-", jobs.get(2).runCommand());
  }

  @Test
  void pythonFloatRepr() {
    assertEquals("1.0", PythonJson.floatRepr(1.0));
    assertEquals("0.1", PythonJson.floatRepr(0.1));
    assertEquals("-2.5", PythonJson.floatRepr(-2.5));
    assertEquals("0.0001", PythonJson.floatRepr(1e-4));
    assertEquals("1e-05", PythonJson.floatRepr(1e-5));
    assertEquals("1.5e-07", PythonJson.floatRepr(1.5e-7));
    assertEquals("1000000000000000.0", PythonJson.floatRepr(1e15));
    assertEquals("1e+16", PythonJson.floatRepr(1e16));
    assertEquals("1.2345678901234568e+17", PythonJson.floatRepr(123456789012345678.0));
    assertEquals("123456789.123", PythonJson.floatRepr(123456789.123));
    assertEquals("-0.0", PythonJson.floatRepr(-0.0));
    assertEquals("Infinity", PythonJson.floatRepr(Double.POSITIVE_INFINITY));
    assertEquals("NaN", PythonJson.floatRepr(Double.NaN));
    assertEquals(
        "{\"1\": 2, \"true\": false, \"null\": {}, \"x\": []}",
        PythonJson.dumps(linked(1, 2, true, false, null, Map.of(), "x", List.of())));
  }

  @Test
  void analysisScopeForDatabaseActions() throws Exception {
    Pipeline p =
        pipeline(
            action("dataset", "ehrql:v1 generate-dataset analysis/d.py"),
            action("measures", "ehrql:v1 generate-measures analysis/m.py"),
            action("sql", "sqlrunner:latest query.sql"),
            action("python", "python:v2 a.py"));
    Map<String, Object> scope = new LinkedHashMap<>();
    scope.put("population_permissions", List.of("include_t1oo"));
    scope.put("dataset_permissions", List.of("ukrr", "appointments"));
    List<Job> jobs = jobs(plan(request("run_all").scope(scope), p, Map.of()));
    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("population_permissions", List.of("include_t1oo"));
    expected.put("dataset_permissions", List.of("appointments", "ukrr"));
    for (int i = 0; i < 3; i++) {
      assertEquals(true, jobs.get(i).requiresDb());
      assertEquals(expected, jobs.get(i).analysisScope());
      assertEquals(
          List.copyOf(expected.keySet()),
          List.copyOf(jobs.get(i).analysisScope().keySet()),
          "key order kept");
    }
    assertEquals(Map.of(), jobs.get(3).analysisScope());

    // a null scope becomes {} and always gets dataset_permissions
    assertEquals(
        Map.of("dataset_permissions", List.of()),
        jobs(plan(request("dataset").scope(null), p, Map.of())).get(0).analysisScope());
  }

  @Test
  void eventLevelProjectGetsComponentAccess() throws Exception {
    Pipeline p =
        pipeline(
            action("dataset", "ehrql:v1 generate-dataset analysis/d.py"),
            action("py", "python:v2 a.py"));
    String slug = "echo-evaluation-of-covid-19-vaccine-histories-using-opensafely";
    List<Job> jobs = jobs(plan(request("run_all").project(slug), p, Map.of()));
    assertEquals(
        Map.of("dataset_permissions", List.of(), "component_access", List.of("event_level_data")),
        jobs.get(0).analysisScope());
    assertEquals(Map.of(), jobs.get(1).analysisScope());
    // set union: no duplicate when job-server already sent it
    Map<String, Object> sent = Map.of("component_access", List.of("event_level_data"));
    assertEquals(
        List.of("event_level_data"),
        jobs(plan(request("dataset").project(slug).scope(sent), p, Map.of()))
            .get(0)
            .analysisScope()
            .get("component_access"));
    // other projects get nothing added
    assertEquals(
        Map.of("dataset_permissions", List.of()),
        jobs(plan(request("dataset").project("other"), p, Map.of())).get(0).analysisScope());
  }

  @Test
  void databaseActionRule() {
    assertTrue(DatabaseActions.isDatabaseAction(List.of("ehrql:v1", "generate-dataset")));
    assertTrue(DatabaseActions.isDatabaseAction(List.of("ehrql:v1", "generate-measures", "x")));
    assertTrue(DatabaseActions.isDatabaseAction(List.of("sqlrunner:latest")));
    assertTrue(
        DatabaseActions.isDatabaseAction(List.of("cohortextractor:latest", "generate_cohort")));
    assertTrue(
        DatabaseActions.isDatabaseAction(
            List.of("cohortextractor:latest", "generate_codelist_report")));
    assertTrue(DatabaseActions.isDatabaseAction(List.of("databuilder:v0", "generate-dataset")));
    assertEquals(false, DatabaseActions.isDatabaseAction(List.of("ehrql:v1")));
    assertEquals(
        false,
        DatabaseActions.isDatabaseAction(List.of("cohortextractor:latest", "generate_measures")));
    assertEquals(false, DatabaseActions.isDatabaseAction(List.of("python:v2", "generate-dataset")));
  }

  @Test
  void requestChecksInOrderWithExactMessages() {
    List<String> backends = List.of("test", "tpp");
    assertCheck("At least one action must be supplied", request().workspace(""), backends);
    assertCheck("Workspace name cannot be blank", request("a").workspace(""), backends);
    assertCheck(
        "Invalid workspace name (allowed are alphanumeric, dash and underscore)",
        request("a").workspace("my workspace"),
        backends);
    assertCheck(
        "Invalid workspace name (allowed are alphanumeric, dash and underscore)",
        request("a").workspace("../etc"),
        backends);
    assertCheck(
        "Invalid backend 'emis', allowed are: test, tpp", request("a").backend("emis"), backends);
    assertCheck(
        "Invalid database name 'full', allowed are: default",
        request("a").database("full"),
        backends);
  }

  private static void assertCheck(String message, TestProjects.Request r, List<String> backends) {
    assertEquals(
        message,
        assertThrows(JobCreationException.class, () -> RequestChecks.check(r.build(), backends))
            .getMessage());
  }

  private static Map<Object, Object> linked(Object... kv) {
    Map<Object, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void differentRapsGiveDifferentIds() throws Exception {
    Job a = jobs(plan(request("generate"), CHAIN, Map.of())).get(0);
    Job b = jobs(plan(request("generate").rap("zzzzzzzzzzzzzzzz"), CHAIN, Map.of())).get(0);
    assertNotEquals(a.id(), b.id());
  }

  @Test
  void longChainsArePlanned() throws Exception {
    List<Action> chain = new ArrayList<>();
    chain.add(action("a0", "python:v2 a.py"));
    for (int i = 1; i < 2000; i++) {
      chain.add(action("a" + i, "python:v2 a.py", "a" + (i - 1)));
    }
    Pipeline p = pipeline(chain.toArray(new Action[0]));
    List<Job> jobs = jobs(plan(request("a1999"), p, Map.of()));
    assertEquals(2000, jobs.size());
    assertEquals("a0", jobs.get(0).action());
  }

  @Test
  void indentLikeTextwrap() {
    assertEquals("  a\n\n  b", ReusableActions.indent("a\n\nb", "  "));
  }
}

package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;

/** Exit codes, OOM, unmatched patterns, level-4 exclusions, inputs and prepare errors. */
@Tag("docker")
class DockerExecutorOutcomeTest extends DockerTestBase {

  @Test
  void nonZeroExit() throws Exception {
    JobDefinition job =
        fx.job(
            "mkdir -p output; echo x > output/a.csv; exit 3",
            spec("output/a.csv", "highly_sensitive"));
    JobStatus done = ExecutorFixture.run(executor, job);
    assertEquals(ExecutorState.FINALIZED, done.state());
    JsonObject meta = fx.metadata(job);
    assertEquals("3", meta.getString("exit_code"));
    assertNull(meta.getValue("status_message"));
    assertEquals(false, meta.getBoolean("oom_killed"));
    assertEquals("3", done.results().getString("exit_code"));
  }

  @Test
  void outOfMemoryKill() throws Exception {
    JobDefinition job =
        fx.job(
            "x=a; while true; do x=$x$x; done",
            spec("output/a.csv", "highly_sensitive"),
            j -> j.put("memory_limit", "16M"));
    JobStatus done = ExecutorFixture.run(executor, job);
    JsonObject meta = fx.metadata(job);
    assertEquals("137", meta.getString("exit_code"));
    assertEquals(true, meta.getBoolean("oom_killed"));
    assertEquals("Job ran out of memory (limit was 0.02GB)", meta.getString("status_message"));
    // kept although the pattern went unmatched: the message names no files
    assertEquals("Job ran out of memory (limit was 0.02GB)", done.message());
    assertTrue(done.results().getBoolean("has_unmatched_patterns"));
  }

  @Test
  void unmatchedPatternsWithHint() throws Exception {
    JobDefinition job =
        fx.job(
            "mkdir -p output && n=oth; echo 1 > output/${n}er.csv && echo 2 > output/found.csv",
            spec(
                "output/found.csv",
                "highly_sensitive",
                "output/missing_*.csv",
                "moderately_sensitive",
                "output/nope.txt",
                "highly_sensitive"));
    JobStatus done = ExecutorFixture.run(executor, job);
    JsonObject meta = fx.metadata(job);
    assertEquals(
        "\n  No outputs found matching patterns:\n - output/missing_*.csv\n   - output/nope.txt",
        meta.getString("status_message"));
    assertEquals(
        "\n  Did you mean to match one of these files instead?\n - output/other.csv",
        meta.getString("hint"));
    assertEquals(
        new JsonArray().add("output/missing_*.csv").add("output/nope.txt"),
        meta.getJsonArray("unmatched_patterns"));
    assertEquals(new JsonArray().add("output/other.csv"), meta.getJsonArray("unmatched_outputs"));
    // nothing naming files leaves the agent
    JsonObject results = done.results();
    assertEquals("", results.getString("status_message"));
    assertEquals("", results.getString("hint"));
    assertTrue(results.getBoolean("has_unmatched_patterns"));
    assertFalse(results.containsKey("unmatched_patterns"));
    assertFalse(results.containsKey("unmatched_outputs"));
    assertFalse(results.encode().contains("other.csv"));
    // the matched file is still filed
    assertTrue(Files.exists(fx.high("output/found.csv")));
  }

  @Test
  void levelFourExclusionsWriteExplanations() throws Exception {
    Files.createDirectories(fx.medium("output"));
    Files.writeString(fx.medium("output/big.txt"), "stale copy from an earlier run");
    Files.writeString(fx.medium("output/fine.csv.txt"), "stale explanation");
    String script =
        "mkdir -p output"
            + " && head -c 3000 /dev/zero > output/big.txt"
            + " && echo data > output/model.dta"
            + " && printf 'patient_id,age\\n1,2\\n' > output/pid.csv"
            + " && (echo a,b; for i in 1 2 3 4 5 6 7; do echo $i,$i; done) > output/$(echo ro)ws.csv"
            + " && printf 'a,b\\n1,2\\n' > output/fine.csv";
    JobDefinition job =
        fx.job(
            script,
            spec("output/*", "moderately_sensitive"),
            j -> j.put("level4_max_filesize", 2000).put("level4_max_csv_rows", 5));
    JobStatus done = ExecutorFixture.run(executor, job);
    JsonObject meta = fx.metadata(job);
    JsonObject excluded = meta.getJsonObject("level4_excluded_files");
    assertEquals(
        "File size of 0.0Mb is larger that limit of 0.0Mb.", excluded.getString("output/big.txt"));
    assertEquals(
        "File type of .dta is not valid level 4 file", excluded.getString("output/model.dta"));
    assertEquals("File has patient_id column", excluded.getString("output/pid.csv"));
    assertEquals(
        "File row count (7) exceeds maximum allowed rows (5)",
        excluded.getString("output/rows.csv"));
    assertEquals(4, excluded.size());

    for (String f : new String[] {"big.txt", "model.dta", "pid.csv", "rows.csv"}) {
      assertTrue(Files.exists(fx.high("output/" + f)), "high privacy keeps " + f);
      assertFalse(Files.exists(fx.medium("output/" + f)), "medium privacy has no " + f);
      String text = Files.readString(fx.medium("output/" + f + ".txt"));
      assertTrue(text.contains("output/" + f), text);
    }
    assertTrue(Files.readString(fx.medium("output/rows.csv.txt")).contains("contained 7 rows"));
    assertTrue(Files.readString(fx.medium("output/pid.csv.txt")).contains("patient_id"));
    assertTrue(Files.readString(fx.medium("output/model.dta.txt")).contains("is of type .dta"));
    assertTrue(
        Files.readString(fx.medium("output/big.txt.txt")).contains("*not* been copied to Level 4"));
    assertEquals("a,b\n1,2\n", Files.readString(fx.medium("output/fine.csv")));
    assertFalse(Files.exists(fx.medium("output/fine.csv.txt")), "stale explanation removed");

    JsonObject manifest = new JsonObject(Files.readString(fx.medium("metadata/manifest.json")));
    JsonObject rows = manifest.getJsonObject("outputs").getJsonObject("output/rows.csv");
    assertEquals(true, rows.getBoolean("excluded"));
    assertEquals("File row count (7) exceeds maximum allowed rows (5)", rows.getString("message"));
    assertEquals(7, rows.getInteger("row_count"));
    assertEquals(2, rows.getInteger("col_count"));

    String logs = Files.readString(fx.logDir(job).resolve("logs.txt"));
    assertTrue(logs.contains("\nInvalid moderately_sensitive outputs:\n"), logs);
    assertTrue(logs.contains("output/pid.csv    - File has patient_id column"), logs);

    assertEquals("Completed successfully", done.results().getString("status_message"));
    assertTrue(done.results().getBoolean("has_level4_excluded_files"));
    assertFalse(done.results().encode().contains("rows.csv"));
  }

  @Test
  void inputFilesComeFromEarlierJobsOutputs() throws Exception {
    JobDefinition first =
        fx.job(
            "mkdir -p output/sub && echo 'from first' > output/sub/data.csv",
            spec("output/sub/*.csv", "highly_sensitive"));
    ExecutorFixture.run(executor, first);
    JobDefinition second =
        fx.job(
            "mkdir -p output && cat output/sub/data.csv > output/copy.csv",
            spec("output/copy.csv", "highly_sensitive"),
            j -> j.put("input_job_ids", new JsonArray().add(first.id()).add("nojobwithmetadata")));
    JobStatus prepared = executor.prepare(second).await();
    assertEquals(ExecutorState.PREPARED, prepared.state());
    Path volume = base.resolve("high_privacy/volumes").resolve(second.id());
    assertEquals("from first\n", Files.readString(volume.resolve("output/sub/data.csv")));
    executor.execute(second).await();
    ExecutorFixture.awaitExecuted(executor, second);
    executor.finalizeJob(second, false, null).await();
    assertEquals("from first\n", Files.readString(fx.high("output/copy.csv")));
    // the input file was not created by the job: only its own output counts
    assertEquals(
        new JsonObject().put("output/copy.csv", "highly_sensitive"),
        fx.metadata(second).getJsonObject("outputs"));
    assertEquals(new JsonArray(), fx.metadata(second).getJsonArray("unmatched_outputs"));
  }

  @Test
  void missingInputFileFailsPrepare() throws Exception {
    JobDefinition first =
        fx.job(
            "mkdir -p output && echo 1 > output/in.csv", spec("output/in.csv", "highly_sensitive"));
    ExecutorFixture.run(executor, first);
    Files.delete(fx.high("output/in.csv"));
    JobDefinition second =
        fx.job(
            "true",
            spec("x", "highly_sensitive"),
            j -> j.put("input_job_ids", new JsonArray().add(first.id())));
    JobFailure f = failure(JobFailure.class, executor.prepare(second));
    assertEquals(
        "The file output/in.csv doesn't exist in workspace ws as requested for job " + second.id(),
        f.getMessage());
  }

  @Test
  void archivedWorkspaceFailsPrepare() throws Exception {
    Files.createDirectories(base.resolve("high_privacy/archives"));
    Files.writeString(base.resolve("high_privacy/archives/ws.tar.zstd"), "");
    JobDefinition job = fx.job("true", spec("x", "highly_sensitive"));
    JobFailure f = failure(JobFailure.class, executor.prepare(job));
    assertEquals(
        "Workspace ws has been archived. Contact the OpenSAFELY tech team to resolve",
        f.getMessage());
  }

  @Test
  void missingImageFailsPrepare() throws Exception {
    JobDefinition job =
        fx.job(
            "true",
            spec("x", "highly_sensitive"),
            j -> j.put("image", "ghcr.io/opensafely-core/nosuchimage:v9"));
    JobFailure f = failure(JobFailure.class, executor.prepare(job));
    assertEquals(
        "Docker image ghcr.io/opensafely-core/nosuchimage:v9 is not currently available",
        f.getMessage());
  }

  @Test
  void imageByLocalDigestIsUsed() throws Exception {
    String id = docker.inspectImage(ExecutorFixture.IMAGE).orElseThrow().getString("Id");
    JobDefinition job =
        fx.job(
            "mkdir -p output; echo 1 > output/a.txt",
            spec("output/a.txt", "highly_sensitive"),
            j -> j.put("image_sha", id));
    ExecutorFixture.run(executor, job);
    assertEquals(id, fx.metadata(job).getString("docker_image_id"));
    assertEquals(id, fx.metadata(job).getString("expected_image_id"));
  }

  @Test
  void badCommitFailsCheckout() throws Exception {
    String sha = "0123456789abcdef0123456789abcdef01234567";
    JobDefinition job = fx.job("true", spec("x", "highly_sensitive"), j -> j.put("commit", sha));
    JobFailure f = failure(JobFailure.class, executor.prepare(job));
    assertEquals("Could not checkout commit " + sha + " from " + fx.repo, f.getMessage());
  }

  @Test
  void unknownDatabaseOnRealBackend() throws Exception {
    ExecutorSettings real =
        fx.settings().withRealDatabase("jobrunner-db", Map.of(), Optional.empty());
    ExecutorLifecycle onReal = fx.executor(real);
    JobDefinition job =
        fx.job(
            "true",
            spec("x", "highly_sensitive"),
            j -> j.put("allow_database_access", true).put("database_name", "default"));
    onReal.prepare(job).await();
    JobFailure f = failure(JobFailure.class, onReal.execute(job));
    assertEquals(
        "Database name 'default' is not currently defined for backend 'test'", f.getMessage());
    assertTrue(docker.inspectContainer("os-job-" + job.id()).isEmpty(), "no container started");
  }
}

package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.rap.common.config.JobOutputLimits;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;

/**
 * What a hostile or broken job leaves, through the real executor and Docker: a huge log is cut to
 * its end, an unreadable CSV is excluded, unusable names and too many bytes fail the job at once
 * with nothing filed, and everything refused is in the job log the researcher reads.
 */
@Tag("docker")
class DockerExecutorHostileOutputTest extends DockerTestBase {

  ExecutorLifecycle limited(long maxLog, long maxBytes) {
    return fx.executor(fx.settings().withOutputLimits(new JobOutputLimits(maxLog, maxBytes, 100)));
  }

  String actionLog(Path workspaceRoot, JobDefinition job) throws Exception {
    return Files.readString(workspaceRoot.resolve("metadata/" + job.action() + ".log"));
  }

  @Test
  void aHugeLogKeepsItsEndWithinTheCap() throws Exception {
    ExecutorLifecycle e = limited(64 * 1024, 1 << 30);
    JobDefinition job =
        fx.job(
            "mkdir -p output && echo ok > output/a.csv && echo first line"
                + " && head -c 3000000 /dev/zero | tr '\\0' x && echo && echo the last line",
            spec("output/a.csv", "moderately_sensitive"));
    JobStatus done = ExecutorFixture.run(e, job);
    assertEquals(ExecutorState.FINALIZED, done.state());
    String logs = Files.readString(fx.logDir(job).resolve("logs.txt"));
    assertTrue(logs.startsWith("[The first "), logs.substring(0, 100));
    assertTrue(logs.contains("a job log keeps the last 65536 bytes (MAX_LOG_BYTES)"));
    assertFalse(logs.contains("first line"));
    assertTrue(logs.contains(" the last line\n"), "the end is kept");
    assertTrue(logs.length() < 64 * 1024 + 2000, "length " + logs.length());
    assertTrue(logs.contains("=============JOB SUMMARY============="));
    assertEquals(logs, actionLog(fx.medium(""), job), "the medium-privacy copy is the same");
  }

  @Test
  void aCsvThatIsNotUtf8IsExcludedFromMediumPrivacy() throws Exception {
    JobDefinition job =
        fx.job(
            "mkdir -p output && printf 'patient_id,age\\n1,50\\n2,\\377\\n' > output/x.csv"
                + " && printf 'a,b\\n1,2\\n' > output/ok.csv",
            spec("output/*.csv", "moderately_sensitive"));
    JobStatus done = ExecutorFixture.run(executor, job);
    assertEquals(ExecutorState.FINALIZED, done.state());
    assertTrue(done.results().getBoolean("has_level4_excluded_files"));
    assertFalse(Files.exists(fx.medium("output/x.csv")), "never accepted");
    String why = Files.readString(fx.medium("output/x.csv.txt"));
    assertTrue(why.contains("could not be checked: it is not valid UTF-8 text (line 3)"), why);
    assertTrue(Files.exists(fx.high("output/x.csv")), "kept in high privacy");
    assertEquals("a,b\n1,2\n", Files.readString(fx.medium("output/ok.csv")));
    JsonObject entry =
        new JsonObject(Files.readString(fx.medium("metadata/manifest.json")))
            .getJsonObject("outputs")
            .getJsonObject("output/x.csv");
    assertEquals(true, entry.getBoolean("excluded"));
    assertEquals(
        "File could not be checked: it is not valid UTF-8 text (line 3)",
        entry.getString("message"));
    String log = actionLog(fx.medium(""), job);
    assertTrue(
        log.contains(
            "Invalid moderately_sensitive outputs:\n  output/x.csv  - File could not be checked"),
        log);
  }

  @Test
  void unusableNamesFailTheJobAtOnceNamingEachFileInTheJobLog() throws Exception {
    JobDefinition job =
        fx.job(
            "mkdir -p output && echo 1 > output/ok.csv && echo 2 > \"$(printf 'output/a\\\\b.csv')\""
                + " && echo 3 > \"$(printf 'output/x\\ny.csv')\""
                + " && echo 4 > \"$(printf 'output/caf\\351.csv')\"",
            spec("output/*.csv", "moderately_sensitive"));
    JobStatus done = ExecutorFixture.run(executor, job);
    assertEquals(ExecutorState.ERROR, done.state());
    JsonObject error = done.results().getJsonObject("error");
    assertEquals(
        "The job's outputs were not filed: 3 output files cannot be filed (the job log names them"
            + " and says why).",
        error.getString("message"));
    assertEquals(true, error.getBoolean("permanent"));
    assertFalse(Files.exists(fx.high("output")), "nothing filed, not even the good file");
    assertFalse(Files.exists(fx.medium("output")));
    assertFalse(Files.exists(fx.medium("metadata/manifest.json")));
    String log = actionLog(fx.medium(""), job);
    assertTrue(log.contains("\nOutputs that could not be filed:\n"), log);
    assertTrue(log.contains("\n  'output/a\\\\b.csv': its name contains a backslash"), log);
    assertTrue(log.contains("\n  'output/x\\ny.csv': its name contains a control character"));
    assertTrue(log.contains("\n  'output/caf\\xe9.csv': its name is not valid UTF-8 text"));
    assertFalse(log.contains("\ny.csv"), "no name adds a line");
    assertTrue(log.contains("outputs:\n  (no outputs)"));
    assertEquals(log, Files.readString(fx.logDir(job).resolve("logs.txt")));
  }

  @Test
  void outputsOverTheSizeLimitFailTheJobBeforeAnythingIsCopied() throws Exception {
    ExecutorLifecycle e = limited(1 << 20, 1L << 30);
    JobDefinition job =
        fx.job(
            "mkdir -p output && echo small > output/a.csv && truncate -s 2G output/sparse.bin",
            spec("output/a.csv", "highly_sensitive", "output/*.bin", "highly_sensitive"));
    JobStatus done = ExecutorFixture.run(e, job);
    assertEquals(ExecutorState.ERROR, done.state());
    assertEquals(
        "The job's outputs were not filed: together they are 2.0 GiB (2147483654 bytes), more"
            + " than the limit of 1.0 GiB (1073741824 bytes) per job (MAX_OUTPUT_BYTES).",
        done.results().getJsonObject("error").getString("message"));
    assertFalse(Files.exists(fx.high("output")), "nothing half-copied");
    assertTrue(actionLog(fx.high(""), job).contains("MAX_OUTPUT_BYTES"));
  }

  @Test
  void refusedSymlinksAreNamedInTheJobLog() throws Exception {
    JobDefinition job =
        fx.job(
            "mkdir -p output && echo ok > output/real.csv && ln -s /etc/passwd output/passwd.csv",
            spec("output/*.csv", "highly_sensitive"));
    JobStatus done = ExecutorFixture.run(executor, job);
    assertEquals("Completed successfully", done.message());
    String log = actionLog(fx.medium(""), job);
    assertTrue(
        log.contains(
            "\nFiles left out of the outputs:\n"
                + "  'output/passwd.csv': a symlink pointing outside the job's workspace\n"),
        log);
    try (Stream<Path> s = Files.list(fx.high("output"))) {
      assertEquals(1, s.count());
    }
  }
}

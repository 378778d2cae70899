package org.rap.agent.finalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.agent.outputs.OutputMatch;
import org.rap.agent.outputs.OutputPersister;
import org.rap.agent.outputs.RawPaths;
import org.rap.agent.outputs.SecretRedactor;
import org.rap.common.config.JobOutputLimits;
import org.rap.common.model.JobDefinition;

/** What is refused before anything is copied: bad names, too many files, too many bytes. */
class OutputFilingTest {
  @TempDir Path dir;
  Path volume;
  Path high;
  Path medium;
  final JobOutputLimits limits = new JobOutputLimits(1 << 20, 1 << 30, 5);

  @BeforeEach
  void setUp() throws Exception {
    volume = Files.createDirectories(dir.resolve("volume/output"));
    volume = volume.getParent();
    Files.writeString(volume.resolve(".opensafely-timestamp"), "1");
    Files.setLastModifiedTime(
        volume.resolve(".opensafely-timestamp"), FileTime.fromMillis(1_000_000));
    high = dir.resolve("high/ws");
    medium = dir.resolve("medium/ws");
  }

  JobDefinition job(Map<String, String> spec) {
    JsonObject s = new JsonObject();
    spec.forEach(s::put);
    return JobDefinition.fromJson(
        new JsonObject()
            .put("id", "job1")
            .put("rap_id", "rap1")
            .put("task_id", "job1-001")
            .put("repo_url", "https://github.com/opensafely/study")
            .put("commit", "c".repeat(40))
            .put("workspace", "ws")
            .put("action", "act")
            .put("image", "ghcr.io/opensafely-core/python:v2")
            .put("user", "alice")
            .put("output_spec", s));
  }

  Path write(byte[] name, String content) throws Exception {
    Path p = RawPaths.resolve(volume, name);
    Files.createDirectories(p.getParent());
    return Files.writeString(p, content);
  }

  OutputMatch match(Map<String, String> spec, JobOutputLimits l) throws Exception {
    return OutputFiling.match(job(spec), volume, volume.resolve(".opensafely-timestamp"), l);
  }

  @Test
  void namesThatCannotBeFiledRefuseTheJobNamingEachFileSafely() throws Exception {
    write(latin1("output/caf\u00e9.txt"), "x");
    write(latin1("output/a\nb.txt"), "x");
    write(latin1("output/a\\b.txt"), "x");
    write(utf8("output/café.txt"), "fine");
    OutputMatch m = match(Map.of("output/*", "highly_sensitive"), limits);
    assertEquals(Map.of("output/café.txt", "highly_sensitive"), m.outputs());
    assertEquals(List.of(), m.unmatchedPatterns());
    Optional<OutputFiling.Refusal> r = OutputFiling.refusal(m, limits, high, medium);
    assertTrue(r.isPresent());
    assertEquals(
        "The job's outputs were not filed: 3 output files cannot be filed (the job log names them"
            + " and says why).",
        r.get().message());
    String details = String.join("\n", r.get().details());
    assertTrue(
        details.contains("'output/caf\\xe9.txt': its name is not valid UTF-8 text"), details);
    assertTrue(details.contains("'output/a\\nb.txt': its name contains a control character"));
    assertTrue(details.contains("'output/a\\\\b.txt': its name contains a backslash"), details);
    assertEquals(3, r.get().details().size(), "one line each");
    assertFalse(Files.exists(high), "nothing filed");
  }

  @Test
  void theTotalSizeCountsSparseFilesWhole() throws Exception {
    try (RandomAccessFile f =
        new RandomAccessFile(volume.resolve("output/sparse.bin").toFile(), "rw")) {
      f.setLength(2L << 30); // 2 GiB, no blocks on disk
    }
    OutputMatch m = match(Map.of("output/*.bin", "highly_sensitive"), limits);
    assertEquals(2L << 30, m.totalBytes());
    OutputFiling.Refusal r = OutputFiling.refusal(m, limits, high, medium).orElseThrow();
    assertEquals(
        "The job's outputs were not filed: together they are 2.0 GiB (2147483648 bytes), more than"
            + " the limit of 1.0 GiB (1073741824 bytes) per job (MAX_OUTPUT_BYTES).",
        r.message());
    assertTrue(
        OutputFiling.refusal(m, new JobOutputLimits(1 << 20, 2L << 30, 5), high, medium).isEmpty());
  }

  @Test
  void tooManyFilesAreCountedNotKept() throws Exception {
    for (int i = 0; i < 12; i++) {
      write(utf8("output/f" + i + ".csv"), "a\n");
    }
    OutputMatch m = match(Map.of("output/*.csv", "highly_sensitive"), limits);
    assertEquals(12, m.matchedFiles());
    assertEquals(5, m.outputs().size(), "at most the limit kept in memory");
    assertEquals(
        "The job's outputs were not filed: it produced 12 output files, more than the limit of 5"
            + " per job (MAX_OUTPUT_FILES).",
        OutputFiling.refusal(m, limits, high, medium).orElseThrow().message());
  }

  @Test
  void symlinksOutOfTheVolumeAreLeftOutAndListed() throws Exception {
    Path secret = Files.writeString(dir.resolve("secret.csv"), "patient_id\n1\n");
    Files.createSymbolicLink(volume.resolve("output/link.csv"), secret);
    write(utf8("output/ok.csv"), "a\n1\n");
    OutputMatch m = match(Map.of("output/*.csv", "moderately_sensitive"), limits);
    assertEquals(Map.of("output/ok.csv", "moderately_sensitive"), m.outputs());
    assertEquals(
        List.of("'output/link.csv': a symlink pointing outside the job's workspace"), m.refused());
    assertTrue(OutputFiling.refusal(m, limits, high, medium).isEmpty());
    OutputPersister.persist(
        job(Map.of("output/*.csv", "moderately_sensitive")),
        m.outputs(),
        volume,
        high,
        medium,
        Optional.empty(),
        SecretRedactor.none());
    assertEquals("a\n1\n", Files.readString(medium.resolve("output/ok.csv")));
    assertFalse(Files.exists(high.resolve("output/link.csv")));
  }

  @Test
  void unmatchedNewFilesAreListedSafelyAndBounded() throws Exception {
    write(latin1("output/x\ny.txt"), "x");
    OutputMatch m = match(Map.of("output/*.csv", "highly_sensitive"), limits);
    assertEquals(List.of("output/*.csv"), m.unmatchedPatterns());
    assertEquals(List.of("output/x\\ny.txt"), m.unmatchedOutputs());
  }

  static byte[] latin1(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

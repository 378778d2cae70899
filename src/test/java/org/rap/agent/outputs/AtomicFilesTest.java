package org.rap.agent.outputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.model.JobDefinition;

/** Atomic writes, and the temporary files an agent killed mid-write leaves behind. */
class AtomicFilesTest {
  @TempDir Path dir;

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .map(p -> dir.relativize(p).toString())
          .sorted()
          .toList();
    }
  }

  @Test
  void writesLeaveNoTemporaryFiles() throws Exception {
    Path dest = dir.resolve("sub/a.csv");
    AtomicFiles.writeString(dest, "one");
    AtomicFiles.writeString(dest, "two");
    Path src = Files.writeString(dir.resolve("src.txt"), "three");
    assertEquals(5, AtomicFiles.copy(src, dir.resolve("sub/b.csv")));
    assertEquals("two", Files.readString(dest));
    assertEquals(List.of("src.txt", "sub/a.csv", "sub/b.csv"), names(dir));
  }

  @Test
  void deleteLeftoversRemovesOnlyThisDestinationsTemporaryFiles() throws Exception {
    Path dest = dir.resolve("a.csv");
    String uuid = UUID.randomUUID().toString();
    Files.writeString(dir.resolve(".a.csv.tmp-" + uuid), "partial");
    Files.writeString(dir.resolve(".a.csv.tmp-" + UUID.randomUUID()), "partial");
    Files.writeString(dir.resolve(".a.csv.tmp-not-a-uuid"), "user file");
    Files.writeString(dir.resolve(".b.csv.tmp-" + uuid), "another destination");
    Files.writeString(dir.resolve("a.csv"), "the file itself");
    assertEquals(2, AtomicFiles.deleteLeftovers(dest));
    assertEquals(List.of(".a.csv.tmp-not-a-uuid", ".b.csv.tmp-" + uuid, "a.csv"), names(dir));
    assertEquals(
        0,
        AtomicFiles.deleteLeftovers(dir.resolve("missing/x.csv")),
        "no directory: nothing to do");
  }

  @Test
  void persistingOutputsAgainAfterAKilledAgentLeavesNoPartialCopies() throws Exception {
    Path volume = Files.createDirectories(dir.resolve("volume/output"));
    Files.writeString(volume.resolve("a.csv"), "a,b\n1,2\n");
    Path high = dir.resolve("high/ws");
    Path medium = dir.resolve("medium/ws");
    // what a SIGKILL in the middle of the first finalize left behind
    Files.createDirectories(high.resolve("output"));
    Files.createDirectories(medium.resolve("output"));
    Files.createDirectories(medium.resolve("metadata"));
    Files.writeString(high.resolve("output/.a.csv.tmp-" + UUID.randomUUID()), "a,b\n");
    Files.writeString(medium.resolve("output/.a.csv.tmp-" + UUID.randomUUID()), "a,");
    Files.writeString(
        medium.resolve("metadata/.manifest.json.tmp-" + UUID.randomUUID()), "{\"work");
    JobDefinition job =
        JobDefinition.fromJson(
            new JsonObject()
                .put("id", "job1")
                .put("rap_id", "rap1")
                .put("task_id", "job1-001")
                .put("repo_url", "https://github.com/opensafely/study")
                .put("commit", "c".repeat(40))
                .put("workspace", "ws")
                .put("action", "act")
                .put("image", "ghcr.io/opensafely-core/python:v2")
                .put("user", "alice"));
    PersistedOutputs out =
        OutputPersister.persist(
            job,
            Map.of("output/a.csv", "moderately_sensitive"),
            dir.resolve("volume"),
            high,
            medium,
            Optional.empty(),
            SecretRedactor.none());
    assertTrue(out.excluded().isEmpty());
    assertEquals(List.of("output/a.csv"), names(high));
    assertEquals(List.of("metadata/manifest.json", "output/a.csv"), names(medium));
    assertEquals("a,b\n1,2\n", Files.readString(medium.resolve("output/a.csv")));
    assertFalse(Files.exists(medium.resolve("output/a.csv.txt")));
  }
}

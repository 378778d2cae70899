package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;

/** An agent killed in the middle of prepare: the next prepare starts over in the same volume. */
@Tag("docker")
class PrepareRestartTest extends DockerTestBase {

  @Test
  void prepareKilledMidwayIsRedoneAndLeavesNothingAPatternCouldMatch() throws Exception {
    JobDefinition first =
        fx.job(
            "mkdir -p output && echo 'from first' > output/data.csv",
            spec("output/data.csv", "highly_sensitive"));
    ExecutorFixture.run(executor, first);
    JobDefinition second =
        fx.job(
            "mkdir -p output && cat output/data.csv > output/copy.csv",
            spec("output/*", "highly_sensitive"),
            j -> j.put("input_job_ids", new JsonArray().add(first.id())));
    // what the killed agent left: a partly checked-out volume, a half-copied input, no timestamp
    Path volume = base.resolve("high_privacy/volumes").resolve(second.id());
    Files.createDirectories(volume.resolve("output"));
    Files.createDirectories(volume.resolve("analysis"));
    Files.writeString(volume.resolve("analysis/run.sh"), "trunc");
    Path partial = volume.resolve("output/.data.csv.tmp-" + UUID.randomUUID());
    Files.writeString(partial, "from fi");
    assertEquals(
        ExecutorState.UNKNOWN, fx.executor().status(second, false).await().state(), "not prepared");

    ExecutorLifecycle restarted = fx.executor();
    assertEquals(ExecutorState.PREPARED, restarted.prepare(second).await().state());
    assertFalse(Files.exists(partial), "the half-copied input is gone");
    assertEquals(
        Files.readString(fx.repo.resolve("analysis/run.sh")),
        Files.readString(volume.resolve("analysis/run.sh")));
    JobStatus done = ExecutorFixture.run(restarted, second);
    assertEquals("Completed successfully", done.message());
    assertEquals(
        new JsonObject()
            .put("output/copy.csv", "highly_sensitive")
            .put("output/data.csv", "highly_sensitive"),
        fx.metadata(second).getJsonObject("outputs"),
        "output/* matches the input and the job's output, nothing left by the killed prepare");
  }
}

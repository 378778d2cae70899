package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.rap.agent.executor.docker.DockerExecutor;
import org.rap.agent.metrics.JobMetricsSource;
import org.rap.common.pipeline.Action;
import org.rap.common.pipeline.Pipeline;
import org.rap.common.pipeline.PipelineParser;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** Manifest entries across runs: replaced, never deleted, flagged out of date. */
@Tag("docker")
class ManifestFlagsTest extends DockerTestBase {

  /** A stand-in for the pipeline parser: only the action names matter here. */
  static final PipelineParser ACTION_NAMES =
      yaml -> {
        Map<?, ?> doc = (Map<?, ?>) new Load(LoadSettings.builder().build()).loadFromString(yaml);
        Map<String, Action> actions = new LinkedHashMap<>();
        ((Map<?, ?>) doc.get("actions")).keySet().forEach(k -> actions.put((String) k, null));
        return new Pipeline(4.0, actions, null, List.of());
      };

  @Test
  void olderEntriesGetOutOfDateFlags() throws Exception {
    ExecutorSettings settings = fx.settings();
    ExecutorLifecycle withActions =
        fx.add(
            new ExecutorLifecycle(
                vertx,
                new DockerExecutor(vertx, docker, settings),
                settings,
                GitCodeCheckout.from(settings, ACTION_NAMES),
                GitCodeCheckout.from(settings, ACTION_NAMES),
                JobMetricsSource.NONE,
                RunListener.NONE));
    Files.createDirectories(fx.medium("metadata"));
    Files.writeString(
        fx.medium("metadata/manifest.json"),
        new JsonObject()
            .put("workspace", "ws")
            .putNull("repo")
            .put(
                "outputs",
                new JsonObject()
                    .put(
                        "output/kept.csv",
                        new JsonObject().put("action", "kept").put("out_of_date_action", true))
                    .put("output/gone.csv", new JsonObject().put("action", "gone")))
            .encode());

    var first =
        fx.job(
            "mkdir -p output; echo 1 > output/a.csv; echo 2 > output/b.csv",
            spec("output/*.csv", "highly_sensitive"));
    ExecutorFixture.run(withActions, first);
    var second =
        fx.job(
            "mkdir -p output; echo 3 > output/a.csv",
            spec("output/*.csv", "highly_sensitive"),
            j -> j.put("action", first.action()));
    ExecutorFixture.run(withActions, second);

    JsonObject outputs =
        new JsonObject(Files.readString(fx.medium("metadata/manifest.json")))
            .getJsonObject("outputs");
    assertEquals(
        second.id(),
        outputs.getJsonObject("output/a.csv").getString("job_id"),
        "new entries replace old");
    assertNull(outputs.getJsonObject("output/a.csv").getValue("out_of_date_output"));
    JsonObject b = outputs.getJsonObject("output/b.csv");
    assertEquals(first.id(), b.getString("job_id"), "entries are never deleted");
    assertEquals(true, b.getBoolean("out_of_date_output"));
    assertEquals(true, b.getBoolean("out_of_date_action"), "its action is not in project.yaml");
    assertEquals(
        false,
        outputs.getJsonObject("output/kept.csv").getBoolean("out_of_date_action"),
        "reset when it reappears");
    assertEquals(true, outputs.getJsonObject("output/gone.csv").getBoolean("out_of_date_action"));
    assertFalse(outputs.getJsonObject("output/gone.csv").containsKey("out_of_date_output"));
  }
}

package org.rap.agent.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.rap.common.model.ExecutorState;
import org.rap.common.model.JobDefinition;

/** {@code DockerExecutor#awaitExit} through the lifecycle: Docker's wait API, no polling. */
class DockerExecutorAwaitExitTest extends DockerTestBase {

  @Tag("docker")
  @Test
  void completesWhenTheContainerExitsAndNotBefore() throws Exception {
    JobDefinition job = fx.job("while [ ! -e /workspace/stop ]; do sleep 0.05; done", spec());
    executor.prepare(job).await();
    assertEquals(ExecutorState.EXECUTING, executor.execute(job).await().state());
    Future<Void> exited = executor.awaitExit(job);
    assertEquals(ExecutorState.EXECUTING, executor.status(job, false).await().state());
    assertFalse(exited.isComplete(), "the container cannot exit before the stop file exists");
    Files.writeString(executor.layout().volumeDir(job).resolve("stop"), "");
    exited.await(60, TimeUnit.SECONDS);
    assertEquals(ExecutorState.EXECUTED, executor.status(job, false).await().state());
    // an exited container: at once
    executor.awaitExit(job).await(60, TimeUnit.SECONDS);
    executor.finalizeJob(job, false, null).await();
    executor.cleanup(job).await();
  }

  @Test
  void failsWithoutAContainerSoTheCallerPolls() {
    JobDefinition job = fx.job("true", spec());
    Future<Void> f = executor.awaitExit(job);
    try {
      f.await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      // expected: no such container
    }
    assertTrue(f.failed(), "no container to wait for");
  }
}

package org.rap.common.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Vert.x facade: blocking git runs on the rap-git worker pool and fails with GitExceptions. */
class GitServiceTest {
  @TempDir Path tmp;
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void runsOnTheGitPoolAndReportsKnownErrors() throws Exception {
    try (TestRepos study = TestRepos.create(tmp, "study")) {
      String sha = study.commit("c", Map.of("project.yaml", "version: '4'\n"));
      GitService git =
          new GitService(
              vertx,
              new GitSettings(
                  tmp.resolve("repos"),
                  "proxy.example.org",
                  Optional.empty(),
                  "jobrunner-ctrl",
                  List.of("opensafely"),
                  true,
                  1,
                  Duration.ZERO));
      String url = study.dir().toString();
      assertEquals(
          "version: '4'\n",
          new String(git.readFile(url, sha, "project.yaml").await(), StandardCharsets.UTF_8));
      assertTrue(git.execute(() -> Thread.currentThread().getName()).await().startsWith("rap-git"));
      git.validateRepoAndCommit(url, sha, "main").await();
      assertEquals(sha, git.shaOfRemoteRef(url, "main").await());
      assertEquals(sha, git.lsRemote(url).await().get("refs/heads/main"));
      git.checkout(url, sha, tmp.resolve("co")).await();
      assertTrue(Files.exists(tmp.resolve("co/project.yaml")));

      Throwable missing =
          assertThrows(Throwable.class, () -> git.readFile(url, sha, "nope").await());
      assertInstanceOf(GitFileNotFoundException.class, missing);
      Throwable branch =
          assertThrows(
              Throwable.class, () -> git.validateBranchAndCommit(url, sha, "nope").await());
      assertEquals("Could not find branch 'nope'", branch.getMessage());
    }
  }
}

package org.rap.common.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The repository URL rules of docs/spec/scheduling.md section 6.10 with their exact messages. */
class RepositoryValidatorTest {
  private static final List<String> ORGS = List.of("opensafely", "opensafely-actions");
  @TempDir Path tmp;

  @ParameterizedTest
  @CsvSource({
    "https://github.com/opensafely/study",
    "https://github.com/opensafely/study/",
    "https://github.com/opensafely-actions/cohort-joiner",
  })
  void acceptsTheExpectedShape(String url) throws Exception {
    RepositoryValidator.validateRepoUrl(url, ORGS);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "http://github.com/opensafely/study|Repository URL http://github.com/opensafely/study does not start with https://github.com",
        "https://gitlab.com/opensafely/study|Repository URL https://gitlab.com/opensafely/study does not start with https://github.com",
        "https://GitHub.com/opensafely/study|Repository URL https://GitHub.com/opensafely/study does not start with https://github.com",
        "/tmp/study|Repository URL /tmp/study does not start with https://github.com",
        "file:///tmp/study|Repository URL file:///tmp/study does not start with https://github.com",
        "https://github.com/evil/study|Repository https://github.com/evil/study does not belong to one of the following Github organisations: opensafely opensafely-actions",
        "https://github.com/|Repository https://github.com/ does not belong to one of the following Github organisations: opensafely opensafely-actions",
        "https://github.com/opensafely|Repository https://github.com/opensafely was not of the expected format: https://github.com/[organisation]/[project-name]",
        "https://github.com/opensafely/study/tree/main|Repository https://github.com/opensafely/study/tree/main was not of the expected format: https://github.com/[organisation]/[project-name]",
        "https://github.com/opensafely/study?x=1|Repository https://github.com/opensafely/study?x=1 was not of the expected format: https://github.com/[organisation]/[project-name]",
        "https://github.com//opensafely/study|Repository https://github.com//opensafely/study was not of the expected format: https://github.com/[organisation]/[project-name]",
      })
  void rejectsWithTheReferenceMessage(String url, String message) {
    RepositoryValidationException e =
        assertThrows(
            RepositoryValidationException.class,
            () -> RepositoryValidator.validateRepoUrl(url, ORGS));
    assertEquals(message, e.getMessage());
  }

  @Test
  void allowedOrganisationsAreConfigurable() throws Exception {
    RepositoryValidator.validateRepoUrl("https://github.com/my-org/x", List.of("my-org"));
    assertEquals(
        "Repository https://github.com/opensafely/x does not belong to one of the following Github organisations: my-org",
        assertThrows(
                RepositoryValidationException.class,
                () ->
                    RepositoryValidator.validateRepoUrl(
                        "https://github.com/opensafely/x", List.of("my-org")))
            .getMessage());
  }

  @Test
  void localPathsOnlyWithAllowLocalGitRepos() throws Exception {
    try (TestRepos study = TestRepos.create(tmp, "study")) {
      String sha = study.commit("c", Map.of("project.yaml", "x"));
      String path = study.dir().toString();
      new RepositoryValidator(new GitRepos(settings(true)))
          .validateRepoAndCommit(path, sha, "main");
      RepositoryValidationException e =
          assertThrows(
              RepositoryValidationException.class,
              () ->
                  new RepositoryValidator(new GitRepos(settings(false)))
                      .validateRepoAndCommit(path, sha, "main"));
      assertEquals(
          "Repository URL " + path + " does not start with https://github.com", e.getMessage());
      // relative paths are never local repositories
      assertThrows(
          RepositoryValidationException.class,
          () ->
              new RepositoryValidator(new GitRepos(settings(true)))
                  .validateRepoAndCommit("study", sha, "main"));
    }
  }

  private GitSettings settings(boolean allowLocal) {
    return new GitSettings(
        tmp.resolve("repos"),
        "proxy.example.org",
        Optional.empty(),
        "jobrunner-ctrl",
        ORGS,
        allowLocal,
        1,
        Duration.ZERO);
  }
}

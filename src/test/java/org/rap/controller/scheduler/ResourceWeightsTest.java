package org.rap.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The weights INI rules of docs/spec/scheduling.md section 7. */
class ResourceWeightsTest {
  private static final String INI =
      "# weights\n"
          + "[my-workspace]\n"
          + "generate_.* = 2.5\n"
          + "generate_big = 4\n"
          + "Upper_Action = 3\n"
          + "\n"
          + "[default]\n"
          + "ehrql:v1 generate-dataset .* = 1.5\n"
          + "; comment\n";

  @Test
  void workspacePatternsMatchActionsFirstMatchWins() {
    ResourceWeights w = ResourceWeights.parse(INI, "t.ini");
    assertEquals(
        2.5,
        w.weightOf("my-workspace", "generate_big", "python:v2 x.py"),
        "first matching line wins");
    assertEquals(
        1.0, w.weightOf("my-workspace", "xgenerate_a", "python:v2 x.py"), "full match only");
    assertEquals(
        1.0, w.weightOf("other", "generate_a", "python:v2 x.py"), "sections are per workspace");
  }

  @Test
  void defaultSectionMatchesRunCommandsWithColons() {
    ResourceWeights w = ResourceWeights.parse(INI, "t.ini");
    assertEquals(1.5, w.weightOf("other", "a", "ehrql:v1 generate-dataset analysis/d.py"));
    assertEquals(
        1.5,
        w.weightOf("my-workspace", "nomatch", "ehrql:v1 generate-dataset analysis/d.py"),
        "default consulted when no workspace pattern matched");
    assertEquals(1.0, w.weightOf("other", "a", "python:v2 generate-dataset x"));
  }

  @Test
  void keysAreLowerCasedSoUpperCasePatternsNeverMatchAsWritten() {
    ResourceWeights w = ResourceWeights.parse(INI, "t.ini");
    assertEquals(1.0, w.weightOf("my-workspace", "Upper_Action", "python:v2 x"));
    assertEquals(3.0, w.weightOf("my-workspace", "upper_action", "python:v2 x"));
  }

  @Test
  void missingFileMeansWeightOneAndFileNameIsLowerCased(@TempDir Path dir) throws Exception {
    assertEquals(1.0, ResourceWeights.load(dir, "tpp").weightOf("w", "a", "r"));
    Files.writeString(dir.resolve("job-resource-weights_tpp.ini"), "[w]\na = 2\n");
    assertEquals(2.0, ResourceWeights.load(dir, "TPP").weightOf("w", "a", "r"));
    assertTrue(
        ResourceWeights.file(dir, "TPP").toString().endsWith("job-resource-weights_tpp.ini"));
  }

  @Test
  void malformedLinesNameTheProblem() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ResourceWeights.parse("[w]\na = heavy\n", "f.ini"));
    assertEquals("f.ini line 2: weight must be a number, got 'heavy'", e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> ResourceWeights.parse("[w]\nno separator\n", "f.ini"));
    assertThrows(IllegalArgumentException.class, () -> ResourceWeights.parse("a = 1\n", "f.ini"));
  }
}

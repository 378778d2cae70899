package org.rap.common.pipeline;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Whatever the input, the parser either returns a pipeline or raises a ProjectValidationError with
 * a non-empty message; no other exception escapes.
 */
class ProjectParserPropertiesTest {
  private static final String BASE =
      """
      version: '3.0'
      expectations:
        population_size: 1000
      actions:
        generate_dataset:
          run: ehrql:v1 generate-dataset analysis/dataset_definition.py --output output/dataset.csv.gz
          outputs:
            highly_sensitive:
              dataset: output/dataset.csv.gz
        cohort:
          run: cohortextractor:latest generate_cohort --study-definition s
          outputs:
            highly_sensitive:
              cohort: output/input.csv
        analyse:
          run: python:latest python analysis/a.py "qu'ote.csv"
          needs: [generate_dataset, cohort]
          config: {a: [1, 2.5, yes, ~], b: &x {c: d}, e: *x}
          outputs:
            moderately_sensitive:
              counts: output/counts.txt
              figs: output/*.png
      """;

  private static final List<String> TOKENS =
      List.of(
          "version",
          "actions",
          "expectations",
          "population_size",
          "run",
          "outputs",
          "needs",
          "config",
          "dummy_data_file",
          "highly_sensitive",
          "moderately_sensitive",
          "minimally_sensitive",
          "run_all",
          "ehrql:v1",
          "python:latest",
          "cohortextractor:v1",
          "generate-dataset",
          "generate_cohort",
          "--output",
          "--output=",
          "output/a.csv",
          "*.csv",
          "metadata/",
          "..",
          "//",
          "5",
          "4.0",
          "'3.0'",
          "~",
          "null",
          "yes",
          "0x1F",
          ".inf",
          ": ",
          ":",
          "- ",
          "-",
          "\n",
          "\n  ",
          "\n    ",
          "\n      ",
          " ",
          "\t",
          "[",
          "]",
          "{",
          "}",
          ",",
          "'",
          "\"",
          "#",
          "&a ",
          "*a",
          "!!str ",
          "!tag ",
          "|",
          ">",
          "? ",
          "<<: ",
          "%YAML 1.2",
          "---",
          "...",
          "\\",
          "@",
          "`",
          "\u00e9",
          "\ud83d\ude00",
          "\u0000",
          "\u0085",
          "\ufeff",
          "\r\n");

  @Provide
  Arbitrary<String> yamlish() {
    return Arbitraries.of(TOKENS).list().ofMaxSize(60).map(l -> String.join("", l));
  }

  @Provide
  Arbitrary<String> mutatedProject() {
    Arbitrary<Integer> pos = Arbitraries.integers().between(0, BASE.length());
    Arbitrary<String> insert = Arbitraries.of(TOKENS);
    return Arbitraries.integers()
        .between(1, 6)
        .flatMap(
            n ->
                Combinators.combine(
                        pos.list().ofSize(n),
                        insert.list().ofSize(n),
                        Arbitraries.integers().between(0, 3).list().ofSize(n))
                    .as(
                        (positions, inserts, deletes) -> {
                          StringBuilder sb = new StringBuilder(BASE);
                          for (int i = 0; i < positions.size(); i++) {
                            int p = Math.min(positions.get(i), sb.length());
                            int end = Math.min(sb.length(), p + deletes.get(i));
                            sb.replace(p, end, inserts.get(i));
                          }
                          return sb.toString();
                        }));
  }

  private static void assertParsesOrExplains(String text) {
    try {
      assertNotNull(ProjectParser.parse(text));
    } catch (ProjectValidationError e) {
      assertNotNull(e.getMessage());
      assertFalse(e.getMessage().isBlank(), "empty message for: " + text);
      assertFalse(e.getMessage().contains("could not be validated"), e.getMessage());
      assertFalse(e.getMessage().contains("could not be read: "), e.getMessage());
    }
  }

  @Property(tries = 1500)
  void randomBytesNeverCrash(@ForAll @Size(max = 400) byte[] bytes) {
    try {
      assertNotNull(ProjectParser.parse(bytes));
    } catch (ProjectValidationError e) {
      assertFalse(e.getMessage().isBlank());
    }
  }

  @Property(tries = 1500)
  void randomYamlishTextNeverCrashes(@ForAll("yamlish") String text) {
    assertParsesOrExplains(text);
  }

  @Property(tries = 1500)
  void mutatedProjectsNeverCrash(@ForAll("mutatedProject") String text) {
    assertParsesOrExplains(text);
  }

  @Property(tries = 500)
  void randomUnicodeNeverCrashes(@ForAll @Size(max = 200) String text) {
    assertParsesOrExplains(text);
  }

  @Property(tries = 300)
  void randomBytesAsLatin1NeverCrash(@ForAll @Size(max = 300) byte[] bytes) {
    assertParsesOrExplains(new String(bytes, StandardCharsets.ISO_8859_1));
  }
}

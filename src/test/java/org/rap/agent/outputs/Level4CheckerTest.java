package org.rap.agent.outputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.model.JobDefinition;

class Level4CheckerTest {
  @TempDir Path dir;
  final Level4Checker checker =
      new Level4Checker(16_777_216L, 5, JobDefinition.DEFAULT_LEVEL4_FILE_TYPES);

  @Test
  void megabytesPrintLikePythonFloats() {
    assertEquals("16.0", Level4Checker.mb(16_777_216L));
    assertEquals("0.01", Level4Checker.mb(6L * 1024 * 1024 / 1000 * 1)); // 0.006 MB rounds to 0.01
    assertEquals("1.5", Level4Checker.mb(1_572_864L));
    assertEquals("0.0", Level4Checker.mb(10));
    assertEquals("20.0", Level4Checker.mb(20L * 1024 * 1024));
  }

  @Test
  void tooBigFilesAreExcludedWithoutFurtherChecks() throws Exception {
    Path f = write("big.csv", "patient_id\n1\n");
    Level4Check c = checker.check("output/big.csv", 20L * 1024 * 1024, f);
    assertEquals("File size of 20.0Mb is larger that limit of 16.0Mb.", c.reason());
    assertTrue(c.explanation().contains("output/big.csv"));
    assertTrue(c.explanation().contains("*not* been copied to Level 4"));
    assertNull(c.rows());
  }

  @Test
  void wrongFileTypes() throws Exception {
    Path f = write("x.dta", "x");
    assertEquals(
        "File type of .dta is not valid level 4 file", checker.check("out/x.dta", 1, f).reason());
    assertEquals(
        "File type of  is not valid level 4 file", checker.check("out/noext", 1, f).reason());
    assertEquals(
        "File type of .CSV is not valid level 4 file", checker.check("out/x.CSV", 1, f).reason());
    assertTrue(
        checker
            .check("out/x.dta", 1, f)
            .explanation()
            .contains("https://docs.opensafely.org/requesting-file-release/#allowed-file-types"));
  }

  @Test
  void csvChecksAreCumulative() throws Exception {
    Path f = write("t.csv", "patient_id,age\n1,2\n3,4\n\n5,6\n7,8\n9,10\n11,12\n");
    Level4Check c = checker.check("out/t.csv", Files.size(f), f);
    assertEquals(
        "File has patient_id column,File row count (6) exceeds maximum allowed rows (5)",
        c.reason());
    assertEquals(6, c.rows());
    assertEquals(2, c.cols());
    assertTrue(c.explanation().contains("`patient_id` column"));
    assertTrue(c.explanation().contains("contained 6 rows"));
  }

  @Test
  void allowedCsvHasCounts() throws Exception {
    Path f = write("ok.csv", "a,b,c\n\"x,1\",\"multi\nline\",3\n");
    Level4Check c = checker.check("out/ok.csv", Files.size(f), f);
    assertTrue(c.ok());
    assertEquals(1, c.rows());
    assertEquals(3, c.cols());
    Path empty = write("empty.csv", "a,b\n");
    assertEquals(0, checker.check("e.csv", 4, empty).rows());
    assertEquals(0, checker.check("e.csv", 4, empty).cols());
    Path txt = write("n.txt", "hello");
    assertNull(checker.check("n.txt", 5, txt).rows());
  }

  @Test
  void extraFieldsCountAsOneMoreColumn() throws Exception {
    Path f = write("x.csv", "a,b\n1,2,3,4\n");
    assertEquals(3, CsvCounts.read(f).cols());
  }

  private Path write(String name, String content) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, content);
    return p;
  }

  @Test
  void suffixIsTheLastExtension() {
    assertEquals(".gz", Level4Checker.suffix("a/b.csv.gz"));
    assertEquals("", Level4Checker.suffix("a/.bashrc"));
    assertEquals("", Level4Checker.suffix("a.dir/file"));
  }
}

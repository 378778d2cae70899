package org.rap.agent.outputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

  @Test
  void aCsvTheCheckerCannotReadIsExcludedNeverAccepted() throws Exception {
    // printf 'patient_id,age\n1,50\n2,\377\n': not UTF-8, so its columns are unknown
    Path bad = dir.resolve("x.csv");
    Files.write(
        bad,
        new byte[] {
          'p',
          'a',
          't',
          'i',
          'e',
          'n',
          't',
          '_',
          'i',
          'd',
          ',',
          'a',
          'g',
          'e',
          '\n',
          '1',
          ',',
          '5',
          '0',
          '\n',
          '2',
          ',',
          (byte) 0xff,
          '\n'
        });
    Level4Check c = checker.check("output/x.csv", Files.size(bad), bad);
    assertEquals("File could not be checked: it is not valid UTF-8 text (line 3)", c.reason());
    assertTrue(c.explanation().contains("output/x.csv"), c.explanation());
    assertTrue(c.explanation().contains("*not*\nbeen copied to Level 4"), c.explanation());
    assertNull(c.rows());
    assertNull(c.cols());
    assertEquals(
        "File could not be checked: a quoted field opened on line 2 never ends",
        checker.check("u.csv", 20, write("u.csv", "a,b\n\"1,2\n3,4\n")).reason());
    assertEquals(
        "File could not be checked: it holds a NUL character (line 1)",
        checker.check("n.csv", 5, write("n.csv", "a\0b\n")).reason());
    String longField = "a\n" + "x".repeat(CsvCounts.MAX_FIELD_CHARS + 1) + "\n";
    assertTrue(
        checker
            .check("l.csv", longField.length(), write("l.csv", longField))
            .reason()
            .contains("longer than 131072 characters"));
    String wideHeader = ",".repeat(CsvCounts.MAX_HEADER_CHARS + 1) + "\n1\n";
    assertTrue(
        checker
            .check("w.csv", wideHeader.length(), write("w.csv", wideHeader))
            .reason()
            .contains("its header is longer than"));
  }

  @Test
  void aByteOrderMarkDoesNotHideThePatientIdColumn() throws Exception {
    Path f = write("bom.csv", "\ufeffpatient_id,age\n1,2\n");
    assertEquals("File has patient_id column", checker.check("bom.csv", 20, f).reason());
  }

  @Test
  void aFileHoldingASecretIsExcluded() throws Exception {
    Level4Checker withSecrets =
        new Level4Checker(
            16_777_216L,
            5,
            JobDefinition.DEFAULT_LEVEL4_FILE_TYPES,
            SecretRedactor.of(List.of("mssql://u:Secret-Pa55@db/x")));
    Path f = write("env.txt", "DATABASE_URL=mssql://u:Secret-Pa55@db/x\n");
    Level4Check c = withSecrets.check("output/env.txt", Files.size(f), f);
    assertEquals("File contains the value of a secret setting", c.reason());
    assertTrue(c.explanation().contains("output/env.txt"));
    assertTrue(withSecrets.check("ok.txt", 5, write("ok.txt", "hello")).ok());
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

package org.rap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which command lines get the head start of {@code rap run} (Docker and Vert.x started early). */
class MainTest {
  @TempDir Path dir;

  @Test
  void onlyARunThatRunsGetsTheHeadStart() {
    assertTrue(Main.startsRun("run", "run_all", "-f", "--project-dir", "study"));
    assertTrue(Main.startsRun("run"));
    assertFalse(Main.startsRun("run", "--help"));
    assertFalse(Main.startsRun("run", "run_all", "-h"));
    assertFalse(Main.startsRun("run", "-V"));
    assertFalse(Main.startsRun("check-project", "project.yaml"));
    assertFalse(Main.startsRun("--role=agent"));
    assertFalse(Main.startsRun());
  }

  @Test
  void aRunThatNeverBeginsStillEndsWithItsUsualStatus() {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try (PrintStream p = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
      System.setOut(p);
      System.setErr(p);
      // a usage error: picocli refuses it before the run begins; the head start is closed
      assertEquals(2, Main.execute("run", "--no-such-option"));
      // no study here: the run ends before it needs Docker
      assertEquals(1, Main.execute("run", "run_all", "--project-dir", dir.toString()));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    String text = captured.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("Unknown option: '--no-such-option'"), text);
    assertTrue(text.contains("No project.yaml found in " + dir), text);
  }
}

package org.rap.agent.outputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OutputGlobTest {

  @Test
  void starMatchesWithinOneSegmentOnly() {
    OutputGlob g = OutputGlob.compile("output/*.csv");
    assertTrue(g.matches("output/a.csv"));
    assertTrue(g.matches("output/.hidden.csv"));
    assertFalse(g.matches("output/sub/a.csv"));
    assertFalse(g.matches("other/a.csv"));
    assertFalse(g.matches("output/a.csvx"));
  }

  @Test
  void starMayAppearInDirectoryParts() {
    OutputGlob g = OutputGlob.compile("out*/*/table.csv");
    assertTrue(g.matches("output/x/table.csv"));
    assertTrue(g.matches("out/y/table.csv"));
    assertFalse(g.matches("output/table.csv"));
  }

  @Test
  void questionMarkAndClasses() {
    assertTrue(OutputGlob.compile("out/a?.txt").matches("out/ab.txt"));
    assertFalse(OutputGlob.compile("out/a?.txt").matches("out/a/.txt"));
    assertTrue(OutputGlob.compile("out/[ab]1.txt").matches("out/b1.txt"));
    assertFalse(OutputGlob.compile("out/[!ab]1.txt").matches("out/b1.txt"));
    assertTrue(OutputGlob.compile("out/[0-9].txt").matches("out/7.txt"));
  }

  @Test
  void doubleStarMatchesAnyDepth() {
    OutputGlob g = OutputGlob.compile("output/**/*.png");
    assertTrue(g.matches("output/a.png"));
    assertTrue(g.matches("output/x/y/a.png"));
  }

  @Test
  void regexCharactersAreLiteral() {
    assertTrue(OutputGlob.compile("out/a+b(1).txt").matches("out/a+b(1).txt"));
    assertFalse(OutputGlob.compile("out/a.txt").matches("out/abtxt"));
  }

  @Test
  void escapingPatternsAreRefused() {
    assertThrows(PathEscapeException.class, () -> OutputGlob.compile("../secret/*.csv"));
    assertThrows(PathEscapeException.class, () -> OutputGlob.compile("output/../../x"));
    assertThrows(PathEscapeException.class, () -> OutputGlob.compile("/etc/passwd"));
    assertEquals("output/*.csv", OutputGlob.compile("output/*.csv").pattern());
  }
}

package org.rap.common.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShellTest {
  @Test
  void splitsLikeShlex() {
    assertEquals(List.of("python:v2", "a b", "c"), Shell.split("python:v2 'a b'  c"));
    assertEquals(List.of("x\"y", "it's"), Shell.split("\"x\\\"y\" it\\'s"));
    assertEquals(List.of("a#b", "#c"), Shell.split("a#b #c"));
    assertEquals(List.of("ab", "c"), Shell.split("a\"b\" c"));
    assertEquals(List.of(), Shell.split("   "));
    assertEquals(List.of(""), Shell.split("''"));
    assertEquals(List.of("a\\b"), Shell.split("\"a\\b\""));
  }

  @Test
  void unbalancedQuotesFail() {
    assertEquals(
        "No closing quotation",
        assertThrows(Shell.SplitException.class, () -> Shell.split("a 'b")).getMessage());
    assertEquals(
        "No closing quotation",
        assertThrows(Shell.SplitException.class, () -> Shell.split("a \"b")).getMessage());
    assertEquals(
        "No escaped character",
        assertThrows(Shell.SplitException.class, () -> Shell.split("a \\")).getMessage());
  }

  @Test
  void quotesLikeShlexJoin() {
    assertEquals(
        "python:v2 analysis/x.py --output=out.csv",
        Shell.join(List.of("python:v2", "analysis/x.py", "--output=out.csv")));
    assertEquals("a '' 'b c' 'it'\"'\"'s'", Shell.join(List.of("a", "", "b c", "it's")));
    assertEquals(
        List.of("a", "", "b c", "it's"), Shell.split(Shell.join(List.of("a", "", "b c", "it's"))));
  }
}

package org.rap.agent.outputs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Output file names as bytes: which can be filed, how every name is shown, exact file access. */
class OutputNamesTest {
  @TempDir Path dir;

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1); // one byte per char: any byte sequence
  }

  @Test
  void displayEscapesWhatCouldBreakALineOrHideASpelling() {
    assertEquals("output/caf\\xe9.txt", OutputNames.display(bytes("output/caf\u00e9.txt")));
    assertEquals("output/a\\nb.txt", OutputNames.display(bytes("output/a\nb.txt")));
    assertEquals("a\\\\b\\tc\\r", OutputNames.display(bytes("a\\b\tc\r")));
    assertEquals("café.txt", OutputNames.display("café.txt".getBytes(StandardCharsets.UTF_8)));
    assertEquals("evil\\u202etxt.exe", OutputNames.display("evil\u202etxt.exe"));
    assertEquals("\\x7f\\x00", OutputNames.display(new byte[] {0x7f, 0}));
    // an overlong encoding of '/' is not UTF-8
    assertEquals("\\xc0\\xaf", OutputNames.display(new byte[] {(byte) 0xc0, (byte) 0xaf}));
  }

  @Test
  void namesThatCannotBeFiledSayWhy() {
    String level = "highly_sensitive";
    assertEquals(Optional.empty(), OutputNames.problem(utf8("output/café.txt"), level));
    assertEquals(
        Optional.of("its name is not valid UTF-8 text"),
        OutputNames.problem(bytes("output/caf\u00e9.txt"), level));
    assertEquals(
        Optional.of("its name contains a control character (\\n)"),
        OutputNames.problem(bytes("output/a\nb.txt"), level));
    assertTrue(
        OutputNames.problem(bytes("output/a\\b.txt"), level).orElseThrow().contains("backslash"));
    assertTrue(OutputNames.problem(utf8("x\u202e.csv"), level).orElseThrow().contains("invisible"));
    String name255 = "output/" + "a".repeat(251) + ".csv";
    assertEquals(Optional.empty(), OutputNames.problem(utf8(name255), level));
    assertEquals(
        Optional.of(
            "its name is 255 bytes long; moderately_sensitive output names may have at most 251"
                + " bytes (room for the .txt explanation)"),
        OutputNames.problem(utf8(name255), "moderately_sensitive"));
  }

  @Test
  void rawPathsReachEveryFileWhateverTheLocale() throws Exception {
    byte[] latin1 = bytes("caf\u00e9.txt");
    Path file = RawPaths.resolve(dir, latin1);
    Files.writeString(file, "x");
    try (var s = Files.list(dir)) {
      Path listed = s.findFirst().orElseThrow();
      assertArrayEquals(latin1, RawPaths.relative(dir, listed));
      assertArrayEquals(latin1, RawPaths.fileName(listed));
    }
    Path explanation = RawPaths.withSuffix(file, ".txt");
    Files.writeString(explanation, "y");
    assertArrayEquals(bytes("caf\u00e9.txt.txt"), RawPaths.fileName(explanation));
    Path utf8 = RawPaths.resolve(dir, "sub dir/café %2F.csv");
    Files.createDirectories(utf8.getParent());
    Files.writeString(utf8, "z");
    assertArrayEquals(utf8("sub dir/café %2F.csv"), RawPaths.relative(dir, utf8));
    assertEquals("z", Files.readString(SafePaths.resolve(dir, "sub dir/café %2F.csv")));
    assertFalse(Files.exists(RawPaths.resolve(dir, "missing")));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

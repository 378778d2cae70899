package org.rap.agent.finalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bounded log: the end is kept, the cut is marked, disk use stays within the cap. */
class TailFileTest {
  @TempDir Path dir;

  private String kept(TailFile t) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    t.copyTo(out);
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void underTheCapEverythingIsKept() throws Exception {
    try (TailFile t = new TailFile(dir.resolve("t"), 100)) {
      t.write("line 1\nline 2\n".getBytes(StandardCharsets.UTF_8));
      assertEquals("line 1\nline 2\n", kept(t));
      assertEquals(0, t.dropped());
    }
  }

  @Test
  void overTheCapTheEndIsKeptFromAWholeLine() throws Exception {
    StringBuilder all = new StringBuilder();
    Path file = dir.resolve("t");
    try (TailFile t = new TailFile(file, 1000)) {
      for (int i = 0; i < 5000; i++) {
        String line = "line " + i + "\n";
        all.append(line);
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        // odd write sizes: single bytes and whole lines
        if (i % 2 == 0) {
          for (byte x : b) {
            t.write(x);
          }
        } else {
          t.write(b);
        }
      }
      t.flush();
      assertTrue(Files.size(file) <= 1000, "disk use within the cap: " + Files.size(file));
      String text = kept(t);
      String note = text.substring(0, text.indexOf('\n') + 1);
      String body = text.substring(note.length());
      assertTrue(all.toString().endsWith(body));
      assertTrue(body.startsWith("line "), body.substring(0, 20));
      assertTrue(body.length() > 980, "at most one cut line dropped: " + body.length());
      long dropped = all.length() - body.length();
      assertEquals(TailFile.truncationNote(dropped, 1000), note);
      assertTrue(body.endsWith("line 4999\n"));
    }
  }

  @Test
  void writesLargerThanTheCapKeepTheirEnd() throws Exception {
    try (TailFile t = new TailFile(dir.resolve("t"), 10)) {
      t.write("0123456789abcdefghij".repeat(10_000).getBytes(StandardCharsets.UTF_8));
      assertEquals(200_000, t.total());
      // no newline to start from: the kept bytes as they are
      assertEquals(TailFile.truncationNote(199_990, 10) + "abcdefghij", kept(t));
    }
  }
}

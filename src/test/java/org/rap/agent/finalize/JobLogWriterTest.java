package org.rap.agent.finalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rap.agent.outputs.SecretRedactor;

/** logs.txt from a stream: bounded, secrets masked, summary appended, no temporary files left. */
class JobLogWriterTest {
  @TempDir Path dir;

  @Test
  void aHugeOutputIsCutToItsEndWithSecretsMasked() throws Exception {
    String url = "postgresql://u:TopSecret-1@db/x";
    Path logs = dir.resolve("logs/logs.txt");
    long dropped =
        JobLogWriter.write(
            logs,
            out -> {
              byte[] line =
                  ("DATABASE_URL=" + url + " and some padding\n").getBytes(StandardCharsets.UTF_8);
              for (int i = 0; i < 200_000; i++) {
                out.write(line);
              }
              out.write("the end".getBytes(StandardCharsets.UTF_8));
            },
            SecretRedactor.of(List.of(url)),
            64 * 1024,
            "\nSUMMARY\n");
    String text = Files.readString(logs);
    assertTrue(dropped > 7_000_000, "dropped " + dropped);
    assertTrue(text.startsWith("[The first "), text.substring(0, 80));
    assertTrue(text.length() < 64 * 1024 + 200, "length " + text.length());
    assertFalse(text.contains("TopSecret"));
    assertTrue(text.contains("DATABASE_URL=xxxx-REDACTED-xxxx and some padding\n"));
    assertTrue(text.endsWith("the end\n\nSUMMARY\n"), text.substring(text.length() - 30));
    try (var s = Files.list(logs.getParent())) {
      assertEquals(List.of(logs), s.toList(), "no buffer or temporary file left");
    }
    Path copy = dir.resolve("ws/metadata/act.log");
    JobLogWriter.copy(logs, copy);
    assertEquals(text, Files.readString(copy));
  }

  @Test
  void noOutputIsJustTheSummary() throws Exception {
    Path logs = dir.resolve("logs.txt");
    JobLogWriter.write(
        logs, JobLogWriter.LogSource.NONE, SecretRedactor.none(), 4096, "\nSUMMARY\n");
    assertEquals("\nSUMMARY\n", Files.readString(logs));
  }
}

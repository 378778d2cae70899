package org.rap.agent.outputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secret values masked in streams, whatever the chunks, and found in files. */
class SecretRedactorTest {
  static final String URL = "mssql://reader:s3cr%40t-Pa55word@db.example.org:1433/db";
  static final String KEY =
      "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n"
          + "-----END PRIVATE KEY-----\n";
  final SecretRedactor redactor = SecretRedactor.of(List.of(URL, KEY, "abc"));

  @TempDir Path dir;

  String redact(String text, int chunk) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SecretRedactor.Redacting r = redactor.filter(out);
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < b.length; i += chunk) {
      r.write(b, i, Math.min(chunk, b.length - i));
    }
    r.flush();
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void valuesAreMaskedWhereverTheWritesSplitThem() throws Exception {
    String text = "env:\nDATABASE_URL=" + URL + "\nDATABASE_URL=" + URL + "\nabc stays\n";
    String want =
        "env:\nDATABASE_URL=xxxx-REDACTED-xxxx\nDATABASE_URL=xxxx-REDACTED-xxxx\nabc stays\n";
    for (int chunk : new int[] {1, 2, 7, 16, 1000}) {
      assertEquals(want, redact(text, chunk), "chunk " + chunk);
    }
  }

  @Test
  void partsOfValuesAreMaskedToo() throws Exception {
    // the password alone, as written and decoded; each line of a multi-line key (a log puts a
    // timestamp before every line)
    assertEquals(
        "pw=xxxx-REDACTED-xxxx decoded=xxxx-REDACTED-xxxx",
        redact("pw=s3cr%40t-Pa55word decoded=s3cr@t-Pa55word", 5));
    String logged =
        "2025-01-01T00:00:00Z -----BEGIN PRIVATE KEY-----\n"
            + "2025-01-01T00:00:00Z MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n";
    String out = redact(logged, 3);
    assertFalse(out.contains("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"), out);
    assertEquals(2, out.split("xxxx-REDACTED-xxxx", -1).length - 1, out);
    // partial matches at the very end are written out as they are
    assertEquals("mssql://reader", redact("mssql://reader", 4));
  }

  @Test
  void filesHoldingASecretAreFound() throws Exception {
    Path clean = Files.writeString(dir.resolve("clean.csv"), "a,b\n1,2\n");
    Path leaky = Files.writeString(dir.resolve("leaky.csv"), "a,b\n1," + URL + "\n");
    assertFalse(redactor.foundIn(clean));
    assertTrue(redactor.foundIn(leaky));
    assertFalse(SecretRedactor.none().foundIn(leaky));
  }
}

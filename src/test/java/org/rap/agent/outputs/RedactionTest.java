package org.rap.agent.outputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class RedactionTest {

  @Test
  void environmentValuesAreRedactedExceptSafeKeys() {
    JsonObject inspect =
        new JsonObject()
            .put(
                "Config",
                new JsonObject()
                    .put(
                        "Env",
                        new JsonArray()
                            .add("PATH=/bin")
                            .add("DATABASE_URL=mssql://u:p@h/db")
                            .add("EHRQL_PERMISSIONS=[]")
                            .add("X=a=b")));
    JsonObject r = EnvRedactor.redact(inspect);
    assertEquals(
        new JsonArray()
            .add("PATH=/bin")
            .add("DATABASE_URL=xxxx-REDACTED-xxxx")
            .add("EHRQL_PERMISSIONS=[]")
            .add("X=xxxx-REDACTED-xxxx"),
        r.getJsonObject("Config").getJsonArray("Env"));
    assertEquals(
        "DATABASE_URL=mssql://u:p@h/db",
        inspect.getJsonObject("Config").getJsonArray("Env").getString(1));
  }

  @Test
  void resultsLoseFileNames() {
    JsonObject meta =
        new JsonObject()
            .put("outputs", new JsonObject().put("output/secret_name.csv", "highly_sensitive"))
            .put("unmatched_patterns", new JsonArray().add("output/x_*.csv"))
            .put("unmatched_outputs", new JsonArray().add("output/y.csv"))
            .put(
                "level4_excluded_files",
                new JsonObject().put("output/z.csv", "File has patient_id column"))
            .put("status_message", "\n  No outputs found matching patterns:\n - output/x_*.csv")
            .put("hint", "\n  Did you mean ...\n - output/y.csv")
            .put("exit_code", "0")
            .put("job_metrics", new JsonObject().put("cpu_peak", 1.0));
    JsonObject r = ResultsRedactor.redact(meta);
    String text = r.encode();
    assertFalse(text.contains("secret_name"));
    assertFalse(text.contains("x_*"));
    assertFalse(text.contains("y.csv"));
    assertFalse(text.contains("z.csv"));
    assertEquals("", r.getString("status_message"));
    assertEquals("", r.getString("hint"));
    assertTrue(r.getBoolean("has_unmatched_patterns"));
    assertTrue(r.getBoolean("has_level4_excluded_files"));
    assertEquals("0", r.getString("exit_code"));
    assertEquals(1.0, r.getJsonObject("job_metrics").getDouble("cpu_peak"));
    assertEquals(r, ResultsRedactor.redact(r), "idempotent");
  }

  @Test
  void fixedMessagesSurviveUnmatchedPatterns() {
    JsonObject r =
        ResultsRedactor.redact(
            new JsonObject()
                .put("unmatched_patterns", new JsonArray().add("output/a.csv"))
                .put("status_message", "Job ran out of memory (limit was 0.02GB)")
                .put("hint", "x"));
    assertEquals("Job ran out of memory (limit was 0.02GB)", r.getString("status_message"));
    assertEquals("", r.getString("hint"));
    assertTrue(r.getBoolean("has_unmatched_patterns"));
  }

  @Test
  void cleanResultsKeepTheirMessage() {
    JsonObject r =
        ResultsRedactor.redact(
            new JsonObject()
                .put("outputs", new JsonObject().put("a.csv", "moderately_sensitive"))
                .put("unmatched_patterns", new JsonArray())
                .put("unmatched_outputs", new JsonArray())
                .put("level4_excluded_files", new JsonObject())
                .put("status_message", "Completed successfully"));
    assertEquals("Completed successfully", r.getString("status_message"));
    assertFalse(r.getBoolean("has_unmatched_patterns"));
    assertFalse(r.getBoolean("has_level4_excluded_files"));
    assertNull(ResultsRedactor.redact(null));
    assertEquals(new JsonObject(), ResultsRedactor.redact(new JsonObject()));
  }
}

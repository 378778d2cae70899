package org.rap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.rap.common.model.JobIds;
import org.rap.controller.db.DatabaseTarget;
import org.rap.it.StudyRepo;
import org.rap.testing.TestDatabases;

/**
 * Hostile and broken inputs against a controller running as its own process with the heap the
 * Kubernetes manifest gives it ({@code -Xmx768m}): huge and explosive project.yaml files (also 16
 * at once), names too long to file, request bodies far beyond the limits (declared and chunked).
 * Each is refused with a clear error, quickly, and the controller stays up with bounded memory and
 * still creates jobs afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputsIT {
  private static final String VALID =
      "version: '4.0'\nactions:\n  a:\n    run: python:v2 sh -c 'true'\n"
          + "    outputs:\n      moderately_sensitive:\n        o: output/o.txt\n";
  private static final int CONCURRENT = 16;
  private static final long RSS_BUDGET_MIB = 1024; // the manifests' limit: heap 768 MiB and the JVM

  private Path tmp;
  private RapDeployment d;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private final List<String> figures = new ArrayList<>();

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    tmp = dir;
    DatabaseTarget db = TestDatabases.fresh("sqlite");
    d =
        new RapDeployment(
            tmp,
            "sqlite:" + db.sqliteFile(),
            Map.of("project.yaml", VALID),
            Map.of(
                // as in the image with the manifests' 1 GiB limit (docs/deployment.md)
                "JAVA_TOOL_OPTIONS", "-Xmx768m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError"));
    d.startController();
  }

  @AfterAll
  void stop() throws Exception {
    try {
      String log = RapDeployment.output(d.controller());
      long rss = ProcessMemory.nowMiB(d.controller().process);
      figures.add(
          "controller RSS at the end "
              + rss
              + " MiB, peak "
              + ProcessMemory.peakMiB(d.controller().process)
              + " MiB");
      System.out.println("[HostileInputsIT] " + String.join("; ", figures));
      assertTrue(d.controller().process.isAlive(), "the controller is still up\n" + log);
      assertFalse(log.contains("java.lang.OutOfMemoryError"), log);
      assertTrue(rss < RSS_BUDGET_MIB, "RSS " + rss + " MiB");
      // and it still works
      String rap = JobIds.newRapId();
      d.create(rap, "after-the-storm", "a");
    } finally {
      d.close();
    }
  }

  /** A study repository with this project.yaml; its create body for {@code rapId}. */
  private String createBody(String name, String projectYaml, String rapId) throws Exception {
    return StudyRepo.of(tmp.resolve("studies").resolve(name), Map.of("project.yaml", projectYaml))
        .createBody(rapId, "hostile", List.of("a"))
        .encode();
  }

  private CompletableFuture<HttpResponse<String>> postAsync(String path, String body) {
    return http.sendAsync(
        HttpRequest.newBuilder(URI.create(d.api + path))
            .timeout(Duration.ofMinutes(2))
            .header("Authorization", RapDeployment.CLIENT_TOKEN)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * {@code CONCURRENT} creates of the same project at once (different RAPs): every answer is 400
   * "Error creating jobs" with details starting with {@code expected}; returns the slowest in ms.
   */
  private long concurrentCreates(String name, String projectYaml, String expected)
      throws Exception {
    String template = createBody(name, projectYaml, "abcdefgh23456789");
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < CONCURRENT; i++) {
      String body = template.replace("abcdefgh23456789", JobIds.newRapId());
      calls.add(postAsync("rap/create/", body));
    }
    for (CompletableFuture<HttpResponse<String>> c : calls) {
      HttpResponse<String> r = c.get(3, TimeUnit.MINUTES);
      assertEquals(400, r.statusCode(), name + ": " + r.body());
      JsonObject json = new JsonObject(r.body());
      assertEquals("Error creating jobs", json.getString("error"), r.body());
      String details = json.getString("details");
      assertTrue(
          details.startsWith(expected),
          name + ": " + details.substring(0, Math.min(300, details.length())));
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(d.controller().process.isAlive(), name + RapDeployment.output(d.controller()));
    long rss = ProcessMemory.nowMiB(d.controller().process);
    figures.add(
        name
            + ": "
            + CONCURRENT
            + " creates at once answered in "
            + ms
            + " ms, RSS "
            + rss
            + " MiB");
    assertTrue(rss < RSS_BUDGET_MIB, name + ": RSS " + rss + " MiB");
    return ms;
  }

  private static String project(String runValue) {
    return "version: '4.0'\nactions:\n  a:\n    run: "
        + runValue
        + "\n    outputs:\n      moderately_sensitive:\n        o: output/o.txt\n";
  }

  @Test
  void anEightMegabyteQuotedStringIsRefusedBeforeItIsRead() throws Exception {
    String huge = project("\"" + "x".repeat(8 * 1024 * 1024) + "\"");
    String body = createBody("eight-mb", huge, JobIds.newRapId());
    long t0 = System.nanoTime();
    HttpResponse<String> r = postAsync("rap/create/", body).get(1, TimeUnit.MINUTES);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(400, r.statusCode(), r.body());
    assertEquals(
        "Invalid project: \nProject file is too large: "
            + huge.length()
            + " bytes (the limit is 2097152 bytes)",
        new JsonObject(r.body()).getString("details"));
    figures.add("8 MB project.yaml refused in " + ms + " ms");
    assertTrue(ms < 10_000, ms + " ms");
    concurrentCreates("eight-mb-x16", huge, "Invalid project: \nProject file is too large");
  }

  @Test
  void filesJustWithinTheLimitAreReadInLinearTime() throws Exception {
    // a 2 MB string: valid YAML, an invalid run command (no image version)
    String run = project("\"" + "x".repeat(2 * 1024 * 1024 - 200) + "\"");
    long ms =
        concurrentCreates("two-mb-string", run, "Invalid project: \nAction command xxxxxxxxxx");
    assertTrue(ms < 120_000, ms + " ms");
    // a file of short values: refused once they outnumber one per 16 bytes
    String dense =
        "version: '4.0'\nx: [" + String.join(",", Collections.nCopies(1_000_000, "1")) + "]\n";
    concurrentCreates("dense", dense, "the YAML document has too many values to be read");
  }

  @Test
  void explosiveYamlIsRefusedWithItsPosition() throws Exception {
    StringBuilder bomb =
        new StringBuilder("version: '4.0'\nactions: {}\nl0: &l0 [x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i <= 12; i++) {
      bomb.append("l").append(i).append(": &l").append(i).append(" [");
      bomb.append(String.join(", ", Collections.nCopies(9, "*l" + (i - 1)))).append("]\n");
    }
    concurrentCreates(
        "alias-bomb",
        bomb.toString(),
        "the YAML document is too large to be read once its aliases are expanded");
    String deep = "version: '4.0'\nx: " + "[".repeat(50_000) + "]".repeat(50_000) + "\n";
    concurrentCreates("deep", deep, "the YAML document is nested too deeply to be read");
  }

  @Test
  void namesTooLongToFileAreRefused() throws Exception {
    JsonObject body =
        new JsonObject(createBody("names", VALID, JobIds.newRapId()))
            .put("workspace", "w".repeat(10_000));
    HttpResponse<String> r = d.post("rap/create/", body.encode());
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("Invalid request body received at $.workspace: 'www"), r.body());
    assertTrue(r.body().length() < 400, "the name is not echoed in full: " + r.body().length());
    body.put("workspace", "names").put("requested_actions", new JsonArray().add("a".repeat(300)));
    r = d.post("rap/create/", body.encode());
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("is too long (at most 200 characters)"), r.body());

    String longAction =
        "version: '4.0'\nactions:\n  "
            + "b".repeat(300)
            + ":\n    run: python:v2 sh -c 'true'\n    outputs:\n      moderately_sensitive:\n"
            + "        o: output/o.txt\n";
    concurrentCreates("long-action-name", longAction, "Invalid project: \nAction name 'bbb");
    String outside = VALID.replace("output/o.txt", "../o.txt");
    concurrentCreates(
        "outside-pattern",
        outside,
        "Invalid project: \nOutput path ../o.txt is invalid: leads outside the workspace");
  }

  @Test
  void hugeBodiesGet413() throws Exception {
    String status =
        new JsonObject()
            .put("rap_ids", new JsonArray(Collections.nCopies(1_100_000, "abcdefgh23456789")))
            .encode(); // about 20 MB
    List<CompletableFuture<Integer>> calls = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < CONCURRENT; i++) {
      calls.add(postAsync("rap/status/", status).thenApply(HttpResponse::statusCode));
      calls.add(chunked("rap/status/", 20 * 1024 * 1024));
    }
    HttpResponse<String> update =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + d.controllerPort + "/test/task/update/"))
                .header("Authorization", RapDeployment.AGENT_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(40 * 1024 * 1024)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(413, update.statusCode(), update.body());
    assertEquals("Request too large", new JsonObject(update.body()).getString("error"));
    for (CompletableFuture<Integer> c : calls) {
      assertEquals(413, c.get(3, TimeUnit.MINUTES));
    }
    long rss = ProcessMemory.nowMiB(d.controller().process);
    figures.add(
        2 * CONCURRENT
            + " RAP API bodies of 20 MB (half chunked) and a 40 MB task update refused in "
            + (System.nanoTime() - t0) / 1_000_000
            + " ms, RSS "
            + rss
            + " MiB");
    assertTrue(rss < RSS_BUDGET_MIB, "RSS " + rss + " MiB");
  }

  /** A POST of {@code size} bytes sent in chunks (no Content-Length); its status. */
  private CompletableFuture<Integer> chunked(String path, int size) {
    Flow.Publisher<ByteBuffer> chunks =
        subscriber ->
            subscriber.onSubscribe(
                new Flow.Subscription() {
                  int sent;
                  boolean done;

                  @Override
                  public synchronized void request(long n) {
                    for (long i = 0; i < n && sent < size; i++) {
                      int len = Math.min(64 * 1024, size - sent);
                      sent += len;
                      subscriber.onNext(ByteBuffer.wrap(new byte[len]));
                    }
                    if (sent >= size && !done) {
                      done = true;
                      subscriber.onComplete();
                    }
                  }

                  @Override
                  public synchronized void cancel() {
                    sent = size;
                    done = true;
                  }
                });
    return http.sendAsync(
            HttpRequest.newBuilder(URI.create(d.api + path))
                .timeout(Duration.ofMinutes(2))
                .header("Authorization", RapDeployment.CLIENT_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.fromPublisher(chunks))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .thenApply(HttpResponse::statusCode);
  }
}

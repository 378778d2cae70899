package org.rap.agent.outputs;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.rap.common.model.JobDefinition;

/**
 * Files a finished job's outputs (docs/spec/agent-executor.md section 6.1 and 6.2): every output to
 * the high-privacy workspace, checked moderately_sensitive outputs to the medium-privacy workspace
 * (or a {@code .txt} explanation), and the manifest.
 */
public final class OutputPersister {
  private static final Logger LOG = Logger.getLogger(OutputPersister.class.getName());
  public static final String MODERATELY_SENSITIVE = "moderately_sensitive";

  private OutputPersister() {}

  /**
   * Files {@code outputs} (names that can be filed, see {@link OutputNames}); files are copied
   * streaming and checked streaming.
   *
   * @param secrets values of secret settings the job's container got: a moderately_sensitive file
   *     holding one is excluded from medium privacy
   */
  public static PersistedOutputs persist(
      JobDefinition job,
      Map<String, String> outputs,
      Path volume,
      Path highWorkspace,
      Path mediumWorkspace,
      Optional<Set<String>> currentActions,
      SecretRedactor secrets)
      throws IOException {
    Map<String, Long> sizes = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : outputs.entrySet()) {
      String name = e.getKey();
      Path src = SafePaths.resolve(volume, name).toRealPath();
      Path dst = SafePaths.resolve(highWorkspace, name);
      LOG.fine("Extracting output file: " + OutputNames.display(name));
      AtomicFiles.deleteLeftovers(dst);
      sizes.put(name, AtomicFiles.copy(src, dst));
    }
    Level4Checker checker =
        new Level4Checker(
            job.level4MaxFilesize(), job.level4MaxCsvRows(), job.level4FileTypes(), secrets);
    Map<String, String> excluded = new TreeMap<>();
    Map<String, Level4Check> checks = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : outputs.entrySet()) {
      if (!MODERATELY_SENSITIVE.equals(e.getValue())) {
        continue;
      }
      String name = e.getKey();
      Path high = SafePaths.resolve(highWorkspace, name);
      Level4Check check = checker.check(name, sizes.get(name), high);
      checks.put(name, check);
      Path medium = SafePaths.resolve(mediumWorkspace, name);
      Path explanation = SafePaths.resolve(mediumWorkspace, name + ".txt");
      AtomicFiles.deleteLeftovers(medium);
      AtomicFiles.deleteLeftovers(explanation);
      if (check.ok()) {
        AtomicFiles.copy(high, medium);
        Files.deleteIfExists(explanation);
      } else {
        excluded.put(name, check.reason());
        AtomicFiles.writeString(explanation, check.explanation());
        Files.deleteIfExists(medium);
      }
    }
    Map<String, JsonObject> entries = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : outputs.entrySet()) {
      String name = e.getKey();
      Level4Check check = checks.get(name);
      entries.put(
          name,
          entry(
              job,
              SafePaths.resolve(highWorkspace, name),
              e.getValue(),
              excluded.containsKey(name),
              excluded.get(name),
              check));
    }
    JsonObject manifest = Manifest.read(mediumWorkspace, job.workspace());
    Manifest.update(manifest, job.action(), entries, currentActions);
    Manifest.write(mediumWorkspace, manifest);
    return new PersistedOutputs(excluded, entries);
  }

  private static JsonObject entry(
      JobDefinition job,
      Path file,
      String level,
      boolean excluded,
      String message,
      Level4Check check)
      throws IOException {
    return manifestEntry(
        file,
        level,
        job.id(),
        job.rapId(),
        job.action(),
        job.user(),
        job.study().gitRepoUrl(),
        job.study().commit(),
        excluded,
        message,
        check == null ? null : check.rows(),
        check == null ? null : check.cols());
  }

  /**
   * One manifest entry (docs/spec/agent-executor.md section 6.2) for {@code file}: its size, mtime
   * and SHA-256 with the job's facts; {@code rows}/{@code cols} are the CSV counts or null.
   */
  public static JsonObject manifestEntry(
      Path file,
      String level,
      String jobId,
      String rapId,
      String action,
      String user,
      String repo,
      String commit,
      boolean excluded,
      String message,
      Integer rows,
      Integer cols)
      throws IOException {
    BasicFileAttributes attrs =
        Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    long mtimeNs = attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS);
    return new JsonObject()
        .put("level", level)
        .put("job_id", jobId)
        .put("job_request", rapId)
        .put("action", action)
        .put("user", user)
        .put("repo", repo)
        .put("commit", commit)
        .put("size", attrs.size())
        .put("timestamp", mtimeNs / 1e9)
        .put("content_hash", sha256(file))
        .put("excluded", excluded)
        .put("message", message)
        .put("row_count", rows)
        .put("col_count", cols);
  }

  static String sha256(Path file) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      try (InputStream in = Files.newInputStream(file)) {
        byte[] buf = new byte[65536];
        int n;
        while ((n = in.read(buf)) > 0) {
          md.update(buf, 0, n);
        }
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

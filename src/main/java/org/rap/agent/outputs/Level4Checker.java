package org.rap.agent.outputs;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/** The level-4 checks on moderately_sensitive outputs (docs/spec/agent-executor.md section 6.1). */
public final class Level4Checker {
  private static final Logger LOG = Logger.getLogger(Level4Checker.class.getName());

  private final long maxFilesize;
  private final int maxCsvRows;
  private final List<String> fileTypes;
  private final SecretRedactor secrets;

  public Level4Checker(long maxFilesize, int maxCsvRows, List<String> fileTypes) {
    this(maxFilesize, maxCsvRows, fileTypes, SecretRedactor.none());
  }

  /**
   * @param secrets the values of the secret settings the job's container got: a file holding one is
   *     excluded
   */
  public Level4Checker(
      long maxFilesize, int maxCsvRows, List<String> fileTypes, SecretRedactor secrets) {
    this.maxFilesize = maxFilesize;
    this.maxCsvRows = maxCsvRows;
    this.fileTypes = List.copyOf(fileTypes);
    this.secrets = secrets;
  }

  /**
   * @param name the output path relative to the workspace
   * @param size its size in bytes
   * @param file the copy to inspect (CSV content), read streaming
   * @throws IOException when the file cannot be read at all (not a problem of its content)
   */
  public Level4Check check(String name, long size, Path file) throws IOException {
    List<String> reasons = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    Integer rows = null;
    Integer cols = null;
    String suffix = suffix(name);
    if (size > maxFilesize) {
      reasons.add(
          "File size of " + mb(size) + "Mb is larger that limit of " + mb(maxFilesize) + "Mb.");
      texts.add(Level4Messages.maxSize(name, mb(size), mb(maxFilesize)));
    } else if (!fileTypes.contains(suffix)) {
      reasons.add("File type of " + suffix + " is not valid level 4 file");
      texts.add(Level4Messages.invalidFileType(name, suffix));
    } else if (suffix.equals(".csv")) {
      try {
        CsvCounts counts = CsvCounts.read(file);
        rows = counts.rows();
        cols = counts.cols();
        if (counts.headers().contains("patient_id")) {
          reasons.add("File has patient_id column");
          texts.add(Level4Messages.patientId(name));
        }
        if (counts.rows() > maxCsvRows) {
          reasons.add(
              "File row count ("
                  + counts.rows()
                  + ") exceeds maximum allowed rows ("
                  + maxCsvRows
                  + ")");
          texts.add(Level4Messages.maxCsvRows(name, counts.rows(), maxCsvRows));
        }
      } catch (CsvCounts.Unreadable e) {
        // fail closed: what cannot be checked is not released
        LOG.info("Excluding " + OutputNames.display(name) + ": " + e.getMessage());
        reasons.add("File could not be checked: " + e.getMessage());
        texts.add(Level4Messages.unreadable(name, e.getMessage()));
      }
    }
    if (reasons.isEmpty() && secrets.foundIn(file)) {
      reasons.add("File contains the value of a secret setting");
      texts.add(Level4Messages.secret(name));
    }
    if (reasons.isEmpty()) {
      return new Level4Check(null, null, rows, cols);
    }
    return new Level4Check(String.join(",", reasons), String.join("\n\n", texts), rows, cols);
  }

  /** The last extension including the dot (Python {@code PurePath.suffix}), or "". */
  static String suffix(String name) {
    String base = name.substring(name.lastIndexOf('/') + 1);
    int dot = base.lastIndexOf('.');
    if (dot <= 0 || dot == base.length() - 1) {
      return "";
    }
    return base.substring(dot);
  }

  /** Megabytes rounded to 2 decimals, printed as Python prints a float ({@code 16.0}). */
  static String mb(long bytes) {
    BigDecimal v = new BigDecimal(bytes / (1024.0 * 1024.0)).setScale(2, RoundingMode.HALF_EVEN);
    String s = v.stripTrailingZeros().toPlainString();
    return s.contains(".") ? s : s + ".0";
  }
}

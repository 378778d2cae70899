package org.rap.common.pipeline;

/**
 * How large a project.yaml may be. Every reader checks the file's size against {@link #maxBytes()}
 * before reading it, and the YAML loader enforces the structural limits (nesting, aliases and what
 * the aliases expand to) while it parses, so a hostile file costs little time and memory before it
 * is refused. The largest real-world project.yaml files are about 1 MB.
 *
 * @param maxBytes the largest accepted file, in bytes ({@code PROJECT_YAML_MAX_BYTES})
 */
public record ProjectLimits(long maxBytes) {
  /** Twice the largest project.yaml we have seen in real studies. */
  public static final long DEFAULT_MAX_BYTES = 2L * 1024 * 1024;

  /** The highest {@code PROJECT_YAML_MAX_BYTES} a controller accepts. */
  public static final long HIGHEST_MAX_BYTES = 16L * 1024 * 1024;

  /** Lists and mappings inside each other, counting the document itself. */
  public static final int MAX_NESTING = 100;

  /** Aliases ({@code *name}) that name a list or a mapping. */
  public static final int MAX_COLLECTION_ALIASES = 10_000;

  /**
   * How many times {@link #maxBytes()} the document may grow to once every alias is replaced by
   * what it names (a scalar counts its length plus one, a list or mapping one).
   */
  public static final int EXPANSION_FACTOR = 4;

  /**
   * The longest action name in bytes of UTF-8: its log {@code metadata/<name>.log} and that file's
   * temporary sibling must fit the file system's 255-byte names (the longest real-world name has
   * 110).
   */
  public static final int MAX_ACTION_NAME_BYTES = 200;

  public static final ProjectLimits DEFAULT = new ProjectLimits(DEFAULT_MAX_BYTES);

  public ProjectLimits {
    if (maxBytes < 1 || maxBytes > HIGHEST_MAX_BYTES) {
      throw new IllegalArgumentException(
          "the project.yaml size limit must be between 1 and "
              + HIGHEST_MAX_BYTES
              + " bytes, got "
              + maxBytes);
    }
  }

  /**
   * How many bytes of the size limit each value (scalar, list or mapping) may take at the least: a
   * value costs a few hundred bytes of memory while the file loads, and a file of one-character
   * values at the limit would cost hundreds of megabytes and seconds of garbage collection. Real
   * project.yaml files of some size have one value per 20 to 35 bytes (the largest, 1 MB, holds
   * 29,821).
   */
  public static final int MIN_BYTES_PER_VALUE = 16;

  /** The values (scalars, lists and mappings) a document may hold. */
  long maxNodes() {
    return maxBytes / MIN_BYTES_PER_VALUE;
  }

  /** The size of the document with its aliases expanded, at most. */
  long maxExpanded() {
    return EXPANSION_FACTOR * maxBytes;
  }

  /** Refuses a file of {@code size} bytes above the limit (call before reading it). */
  public void checkSize(long size) throws ProjectValidationError {
    if (size > maxBytes) {
      throw tooLarge(size);
    }
  }

  /** The error for a file of {@code size} bytes above the limit. */
  public ProjectValidationError tooLarge(long size) {
    return ProjectParser.invalid(
        "Project file is too large: " + size + " bytes (the limit is " + maxBytes + " bytes)");
  }

  /** Refuses text whose UTF-8 encoding is larger than the limit, without encoding it. */
  void checkSize(String text) throws ProjectValidationError {
    if (text.length() > maxBytes) { // a UTF-16 unit is at least one byte of UTF-8
      throw tooLarge(utf8Length(text));
    }
    checkSize(utf8Length(text));
  }

  private static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n += 1;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }
}

package org.rap.agent.outputs;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Writes every file atomically: content goes to a temporary file in the destination directory,
 * which is then renamed over the destination, so readers see the old or the new file, never a
 * partial one. A writer killed mid-write (the agent got SIGKILL) leaves its temporary file behind;
 * {@link #deleteLeftovers(Path)} removes those before a destination is written again.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  public static void writeString(Path dest, String content) throws IOException {
    writeBytes(dest, content.getBytes(StandardCharsets.UTF_8));
  }

  public static void writeBytes(Path dest, byte[] content) throws IOException {
    Path tmp = tempFor(dest);
    try {
      Files.write(tmp, content);
      move(tmp, dest);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Content written to a stream (which the caller must not close). */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  /** Writes {@code dest} atomically from {@code content}, streaming (buffered, never whole). */
  public static void write(Path dest, Content content) throws IOException {
    Path tmp = tempFor(dest);
    try {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 65536)) {
        content.writeTo(out);
      }
      move(tmp, dest);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Copies a regular file (never through a symlink) and returns the size of the copy. The
   * destination's parent directories are created.
   */
  public static long copy(Path source, Path dest) throws IOException {
    if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("Not a regular file: " + source);
    }
    Path tmp = tempFor(dest);
    try {
      try (InputStream in = Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS)) {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      move(tmp, dest);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return Files.size(dest);
  }

  /**
   * A new temporary file name next to {@code dest} (parents created), which {@link
   * #deleteLeftovers} removes should the writer be killed before it is renamed.
   */
  public static Path tempFor(Path dest) throws IOException {
    Path parent = dest.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    return parent.resolve(tempPrefix(dest) + UUID.randomUUID());
  }

  /**
   * {@code .<name>.tmp-} for short printable ASCII names; otherwise {@code .<hash of the
   * name>.tmp-}, which stays within the 255-byte limit of a file name and is the same text under
   * any JVM locale.
   */
  private static String tempPrefix(Path dest) {
    byte[] name = RawPaths.fileName(dest);
    boolean plain = name.length <= MAX_PLAIN_PREFIX;
    for (byte b : name) {
      plain &= b > ' ' && b < 0x7f && b != '\\';
    }
    if (plain) {
      return "." + new String(name, StandardCharsets.US_ASCII) + TEMP_MARKER;
    }
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(name);
      return "." + HexFormat.of().formatHex(hash, 0, 16) + TEMP_MARKER;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Longer names get a hashed temporary name: {@code .} + name + marker + UUID fit in 255. */
  private static final int MAX_PLAIN_PREFIX = 200;

  static final String TEMP_MARKER = ".tmp-";

  /**
   * Deletes the temporary files of earlier, interrupted writes of {@code dest} (named {@code
   * .<name>.tmp-<uuid>} next to it) and returns how many there were. Only for callers that are the
   * sole writer of {@code dest} at the time (finalize holds the workspace or job).
   */
  public static int deleteLeftovers(Path dest) throws IOException {
    Path parent = dest.toAbsolutePath().getParent();
    if (parent == null || !Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
      return 0;
    }
    String prefix = tempPrefix(dest);
    int deleted = 0;
    try (var entries =
        Files.newDirectoryStream(parent, p -> p.getFileName().toString().startsWith(prefix))) {
      for (Path p : entries) {
        String rest = p.getFileName().toString().substring(prefix.length());
        if (isUuid(rest)
            && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
            && Files.deleteIfExists(p)) {
          deleted++;
        }
      }
    }
    return deleted;
  }

  private static boolean isUuid(String text) {
    try {
      return UUID.fromString(text).toString().equals(text);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static void move(Path tmp, Path dest) throws IOException {
    Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}

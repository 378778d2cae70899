package org.rap.agent.outputs;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * File names as the bytes the filesystem holds, independent of the JVM's locale. A Linux file name
 * is any byte sequence without {@code /} and NUL; Java turns it into a {@code String} with {@code
 * sun.jnu.encoding}, which under a POSIX locale ({@code LANG=C}) cannot represent {@code café.txt}
 * and under any locale garbles bytes that are not valid in it. Going through a {@code file:} URI
 * instead (Java percent-encodes the raw bytes in {@link Path#toUri()} and decodes them back in
 * {@link Path#of(URI)}) reaches every file exactly, so paths are built from names here and never
 * from {@code String} concatenation.
 */
public final class RawPaths {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private RawPaths() {}

  /**
   * A warning when the JVM's file-name encoding ({@code sun.jnu.encoding}, fixed by the locale at
   * start) is not UTF-8: files are still filed exactly (everything goes through the bytes), but
   * names in the service log show as {@code ?}. Set {@code LANG=C.UTF-8} (the image does).
   */
  public static Optional<String> localeWarning() {
    String jnu = System.getProperty("sun.jnu.encoding", "");
    if (jnu.equalsIgnoreCase("UTF-8") || jnu.equalsIgnoreCase("UTF8")) {
      return Optional.empty();
    }
    return Optional.of(
        "The agent runs under a locale whose file-name encoding is "
            + jnu
            + ", not UTF-8: output files are still filed by their exact names, but the service log shows"
            + " names outside ASCII as '?'. Set LANG=C.UTF-8 for the agent.");
  }

  /** The bytes of an absolute path as the filesystem holds them. */
  public static byte[] bytes(Path absolute) {
    String raw = absolute.toAbsolutePath().toUri().getRawPath();
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%' && i + 2 < raw.length()) {
        out.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        out.write((byte) c); // toUri escapes everything outside ASCII
      }
    }
    byte[] b = out.toByteArray();
    // a directory's URI ends with '/'
    return b.length > 1 && b[b.length - 1] == '/' ? Arrays.copyOf(b, b.length - 1) : b;
  }

  /** The bytes of {@code file} relative to {@code root} (which must contain it). */
  public static byte[] relative(Path root, Path file) {
    byte[] r = bytes(root);
    byte[] f = bytes(file);
    int start = r.length == 1 ? 1 : r.length + 1; // root "/" or "/a/b" + '/'
    if (f.length <= start) {
      return new byte[0];
    }
    return Arrays.copyOfRange(f, start, f.length);
  }

  /** {@code root} joined with the relative name {@code name} (raw bytes, no checks). */
  public static Path resolve(Path root, byte[] name) {
    byte[] r = bytes(root);
    StringBuilder uri = new StringBuilder("file://");
    appendEscaped(uri, r);
    if (name.length > 0) {
      if (r.length != 1) {
        uri.append('/');
      }
      appendEscaped(uri, name);
    }
    return Path.of(URI.create(uri.toString()));
  }

  /** {@code root} joined with {@code name} encoded as UTF-8, whatever the JVM's locale. */
  public static Path resolve(Path root, String name) {
    return resolve(root, name.getBytes(StandardCharsets.UTF_8));
  }

  /** The sibling of {@code file} whose name is the file's name followed by {@code suffix}. */
  public static Path withSuffix(Path file, String suffix) {
    byte[] b = bytes(file);
    byte[] s = suffix.getBytes(StandardCharsets.UTF_8);
    byte[] joined = Arrays.copyOf(b, b.length + s.length);
    System.arraycopy(s, 0, joined, b.length, s.length);
    return resolve(Path.of("/"), Arrays.copyOfRange(joined, 1, joined.length));
  }

  /** The bytes of the last element of {@code file}'s name. */
  public static byte[] fileName(Path file) {
    byte[] b = bytes(file);
    int slash = b.length - 1;
    while (slash >= 0 && b[slash] != '/') {
      slash--;
    }
    return Arrays.copyOfRange(b, slash + 1, b.length);
  }

  /** Percent-encodes every byte outside unreserved ASCII (the path of a {@code file:} URI). */
  private static void appendEscaped(StringBuilder uri, byte[] bytes) {
    for (byte x : bytes) {
      int c = x & 0xff;
      boolean plain =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '/'
              || c == '-'
              || c == '_'
              || c == '.'
              || c == '~';
      if (plain) {
        uri.append((char) c);
      } else {
        uri.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
  }
}

package org.rap.agent.outputs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Resolves workspace-relative names (output paths, input files, patterns) under a root directory,
 * refusing anything that could leave it: absolute paths, {@code ..} segments, backslashes, NUL, and
 * existing symlinks (in the name or any parent directory) that point outside the root.
 */
public final class SafePaths {
  private SafePaths() {}

  /** Checks the text of a relative name; throws {@link PathEscapeException} naming the problem. */
  public static void checkRelative(String name) {
    if (name == null || name.isEmpty()) {
      throw new PathEscapeException("An empty path is not allowed");
    }
    if (name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0) {
      throw new PathEscapeException("Path '" + shown(name) + "' contains a forbidden character");
    }
    if (name.startsWith("/") || name.startsWith("~")) {
      throw new PathEscapeException("Path '" + shown(name) + "' must be relative to the workspace");
    }
    for (String part : name.split("/", -1)) {
      if (part.equals("..")) {
        throw new PathEscapeException("Path '" + shown(name) + "' must not contain '..'");
      }
    }
  }

  /**
   * The absolute path of {@code name} under {@code root}. Existing symlinks along the way must
   * resolve inside the root.
   */
  public static Path resolve(Path root, String name) {
    checkRelative(name);
    Path base = root.toAbsolutePath().normalize();
    // from the name's UTF-8 bytes: the same file whatever the JVM's locale
    Path p = RawPaths.resolve(base, name).normalize();
    if (!p.startsWith(base) || p.equals(base)) {
      throw new PathEscapeException("Path '" + shown(name) + "' is outside the workspace");
    }
    checkNoEscapingLinks(base, p, shown(name));
    return p;
  }

  private static String shown(String name) {
    return OutputNames.display(name);
  }

  /** True when {@code p} (under {@code root}) is a symlink, or has one, resolving outside root. */
  public static boolean escapes(Path root, Path p) {
    try {
      checkNoEscapingLinks(root.toAbsolutePath().normalize(), p.toAbsolutePath().normalize(), "");
      return false;
    } catch (PathEscapeException e) {
      return true;
    }
  }

  private static void checkNoEscapingLinks(Path base, Path p, String name) {
    Path realBase;
    try {
      realBase = base.toRealPath();
    } catch (IOException e) {
      return; // root does not exist yet: nothing below it can be a link
    }
    Path existing = p;
    while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      existing = existing.getParent();
    }
    if (existing == null || !existing.startsWith(base)) {
      return;
    }
    try {
      Path real = existing.toRealPath();
      if (!real.startsWith(realBase)) {
        throw new PathEscapeException("Path '" + name + "' resolves outside the workspace");
      }
    } catch (IOException e) {
      // a dangling symlink: refuse, since its target may be created outside later
      throw new PathEscapeException("Path '" + name + "' is a broken symlink");
    }
  }
}

package org.rap.common.git;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * Writes a commit's tree into a directory (a forced checkout without an index): regular files,
 * executable files (mode 755), symlinks; submodules (gitlinks) are skipped. Refuses any entry whose
 * path would land outside the target directory, including through a symlinked parent.
 */
final class TreeCheckout {
  private TreeCheckout() {}

  static void write(Repository repo, ObjectId commitId, Path target) throws IOException {
    Files.createDirectories(target);
    Path root = target.toRealPath();
    try (RevWalk walk = new RevWalk(repo);
        TreeWalk tw = new TreeWalk(repo)) {
      RevCommit commit = walk.parseCommit(commitId);
      tw.addTree(commit.getTree());
      tw.setRecursive(true);
      while (tw.next()) {
        String path = tw.getPathString();
        FileMode mode = tw.getFileMode(0);
        if (FileMode.GITLINK.equals(mode)) {
          continue;
        }
        Path dest = safeDestination(root, path);
        Files.createDirectories(dest.getParent());
        // the parent may be a symlink written earlier in this walk: resolve and re-check
        Path realParent = dest.getParent().toRealPath();
        if (!realParent.startsWith(root)) {
          throw new IOException("Refusing to write outside the target directory: " + path);
        }
        dest = realParent.resolve(dest.getFileName());
        Files.deleteIfExists(dest);
        ObjectLoader loader = repo.open(tw.getObjectId(0));
        if (FileMode.SYMLINK.equals(mode)) {
          String linkTarget = new String(loader.getBytes(), StandardCharsets.UTF_8);
          Files.createSymbolicLink(dest, Path.of(linkTarget));
        } else if (FileMode.REGULAR_FILE.equals(mode) || FileMode.EXECUTABLE_FILE.equals(mode)) {
          try (OutputStream out = Files.newOutputStream(dest)) {
            loader.copyTo(out);
          }
          if (FileMode.EXECUTABLE_FILE.equals(mode)) {
            setExecutable(dest);
          }
        } else {
          throw new IOException("Unsupported entry " + path + " (mode " + mode + ")");
        }
      }
    }
  }

  private static Path safeDestination(Path root, String path) throws IOException {
    if (path.isEmpty() || path.startsWith("/") || path.contains("\0")) {
      throw new IOException("Refusing to write outside the target directory: " + path);
    }
    for (String part : path.split("/", -1)) {
      if (part.isEmpty()
          || part.equals(".")
          || part.equals("..")
          || part.equalsIgnoreCase(".git")) {
        throw new IOException("Refusing to write outside the target directory: " + path);
      }
    }
    Path dest = root.resolve(path).normalize();
    if (!dest.startsWith(root) || dest.equals(root)) {
      throw new IOException("Refusing to write outside the target directory: " + path);
    }
    return dest;
  }

  private static void setExecutable(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (UnsupportedOperationException e) {
      file.toFile().setExecutable(true, false);
    }
  }
}

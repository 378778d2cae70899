package org.rap.common.git;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * The bare cache repositories of {@link GitRepos}, {@code WORKDIR/repos/<name>.git}: opening (or
 * creating) one, locking it against other threads and processes, and asking it about commits.
 */
final class CacheRepos {
  /**
   * In-process locks per cache directory. JVM-wide on purpose: file locks belong to the whole JVM
   * (a second {@code FileChannel.lock} on the same file from this process throws), and a process
   * running both roles has a controller and an agent {@code GitRepos} sharing {@code
   * WORKDIR/repos}.
   */
  private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

  private CacheRepos() {}

  static boolean hasCommit(Repository repo, String sha) {
    try (RevWalk walk = new RevWalk(repo)) {
      walk.parseCommit(ObjectId.fromString(sha));
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  static boolean isShallow(Repository repo) {
    try {
      return !repo.getObjectDatabase().getShallowCommits().isEmpty();
    } catch (IOException e) {
      return true;
    }
  }

  static boolean isAncestor(Repository repo, String ancestor, String descendant) {
    try (RevWalk walk = new RevWalk(repo)) {
      RevCommit a = walk.parseCommit(ObjectId.fromString(ancestor));
      RevCommit d = walk.parseCommit(ObjectId.fromString(descendant));
      return walk.isMergedInto(a, d);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  static Repository open(Path dir) throws IOException {
    return new FileRepositoryBuilder().setGitDir(dir.toFile()).setMustExist(true).build();
  }

  static Repository openOrInit(Path dir, RemoteUrls urls) throws GitException {
    try {
      if (!Files.exists(dir.resolve("config"))) {
        Files.createDirectories(dir);
        Git.init().setBare(true).setDirectory(dir.toFile()).setGitDir(dir.toFile()).call().close();
      }
      return open(dir);
    } catch (Exception e) {
      throw new GitException("Could not create the git cache at " + dir, urls.redact(e));
    }
  }

  @FunctionalInterface
  interface Locked<T> {
    T run() throws GitException;
  }

  /** Runs {@code body} holding the repository's in-process lock and its file lock. */
  static <T> T withRepoLock(Path dir, RemoteUrls urls, Locked<T> body) throws GitException {
    ReentrantLock lock =
        LOCKS.computeIfAbsent(dir.toAbsolutePath().normalize(), k -> new ReentrantLock());
    lock.lock();
    try {
      Files.createDirectories(dir.getParent());
      Path lockFile = dir.resolveSibling(dir.getFileName() + ".lock");
      try (FileChannel channel =
              FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock ignored = channel.lock()) {
        return body.run();
      }
    } catch (IOException e) {
      throw new GitException("Could not lock the git cache at " + dir, urls.redact(e));
    } finally {
      lock.unlock();
    }
  }
}

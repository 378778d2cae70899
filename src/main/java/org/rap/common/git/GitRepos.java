package org.rap.common.git;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.eclipse.jgit.api.FetchCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.LsRemoteCommand;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.rap.common.telemetry.CallTimer;

/**
 * Git access through a cache of bare repositories under {@code WORKDIR/repos/<name>.git}
 * (docs/spec/agent-executor.md section 4 step 6, docs/spec/scheduling.md sections 6.10 and 8).
 *
 * <p><b>Blocking:</b> every method does file and network I/O. Call it from a worker thread (see
 * {@link GitService} for the Vert.x facade). Thread-safe: fetches into one cache repository are
 * serialised by an in-process lock plus a file lock, so concurrent callers (and other processes
 * sharing {@code WORKDIR}) never corrupt it.
 *
 * <p>A commit is fetched once: a ref {@code refs/tags/fetched/<sha>} is written only after the
 * fetch completed, and later calls for that commit do no network work at all.
 */
public final class GitRepos {
  private static final Logger LOG = Logger.getLogger(GitRepos.class.getName());
  private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}");

  /** Seconds without any data from the remote before a transfer is abandoned (and retried). */
  static final int IO_TIMEOUT_SECONDS = 120;

  static final String SENTINEL_PREFIX = "refs/tags/fetched/";

  private final GitSettings settings;
  private final RemoteUrls urls;

  /**
   * In-process locks per cache directory. JVM-wide on purpose: file locks belong to the whole JVM
   * (a second {@code FileChannel.lock} on the same file from this process throws), and a process
   * running both roles has a controller and an agent {@code GitRepos} sharing {@code
   * WORKDIR/repos}.
   */
  private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

  private final AtomicLong fetches = new AtomicLong();
  private final AtomicLong lsRemotes = new AtomicLong();

  private final CallTimer timer;

  public GitRepos(GitSettings settings) {
    this(settings, CallTimer.NONE);
  }

  /** Timing fetches, ls-remotes and checkouts with {@code timer}. */
  public GitRepos(GitSettings settings, CallTimer timer) {
    this.settings = settings;
    this.urls = new RemoteUrls(settings);
    this.timer = timer;
  }

  public GitSettings settings() {
    return settings;
  }

  public RemoteUrls urls() {
    return urls;
  }

  /** Number of fetch attempts made so far (each one talks to the remote). */
  public long fetchCount() {
    return fetches.get();
  }

  /** Number of ls-remote calls made so far. */
  public long lsRemoteCount() {
    return lsRemotes.get();
  }

  /** The cache repository of {@code url}: {@code WORKDIR/repos/<name>.git}. */
  public Path localRepoDir(String url) {
    return settings.reposDir().resolve(RemoteUrls.repoName(url) + ".git");
  }

  // ---------------------------------------------------------------- fetching

  /**
   * Makes sure {@code sha} and everything needed to check it out is in the cache: nothing to do
   * when it was fetched before; otherwise a depth-1 fetch by SHA, falling back to a full fetch of
   * the remote's branches and tags.
   */
  public void ensureCommitFetched(String url, String sha) throws GitException {
    requireSha(sha, url);
    Path dir = localRepoDir(url);
    withRepoLock(
        dir,
        () -> {
          try (Repository repo = openOrInit(dir)) {
            if (alreadyFetched(repo, sha)) {
              return null;
            }
            GitException first;
            try {
              // JGit stores the objects of an exact-SHA refspec but writes no ref: mark it here
              fetch(repo, url, sha, List.of(new RefSpec(sha)), 1);
              if (hasCommit(repo, sha)) {
                markFetched(repo, sha, url);
                return null;
              }
              first = new GitException("Error fetching commit " + sha + " from " + url);
            } catch (NetworkException e) {
              throw e.error;
            } catch (GitException e) {
              first = e;
            }
            // The server may refuse wants for commits it does not advertise: fetch everything.
            LOG.fine(() -> "Fetch by SHA failed for " + url + ", trying a full fetch");
            try {
              fetch(
                  repo,
                  url,
                  sha,
                  List.of(
                      new RefSpec("+refs/heads/*:refs/rap/remote/heads/*"),
                      new RefSpec("+refs/tags/*:refs/rap/remote/tags/*")),
                  0);
            } catch (NetworkException e) {
              throw e.error;
            } catch (GitException e) {
              throw first;
            }
            if (!hasCommit(repo, sha)) {
              throw first;
            }
            markFetched(repo, sha, url);
            return null;
          }
        });
  }

  private boolean alreadyFetched(Repository repo, String sha) {
    try {
      Ref ref = repo.exactRef(SENTINEL_PREFIX + sha);
      return ref != null && sha.equals(ref.getObjectId().name()) && hasCommit(repo, sha);
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean hasCommit(Repository repo, String sha) {
    try (RevWalk walk = new RevWalk(repo)) {
      walk.parseCommit(ObjectId.fromString(sha));
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private void markFetched(Repository repo, String sha, String url) throws GitException {
    try {
      RefUpdate update = repo.updateRef(SENTINEL_PREFIX + sha);
      update.setNewObjectId(ObjectId.fromString(sha));
      update.setForceUpdate(true);
      RefUpdate.Result result = update.update();
      if (result == RefUpdate.Result.LOCK_FAILURE || result == RefUpdate.Result.IO_FAILURE) {
        throw new IOException("could not write " + SENTINEL_PREFIX + sha + ": " + result);
      }
    } catch (IOException e) {
      throw new GitException("Error fetching commit " + sha + " from " + url, urls.redact(e));
    }
  }

  /** Thrown out of {@link #fetch} when retries on network errors ran out (no fallback then). */
  private static final class NetworkException extends Exception {
    final GitException error;

    NetworkException(GitException error) {
      super(error.getMessage(), null, false, false);
      this.error = error;
    }
  }

  /**
   * One fetch with the reference's retry policy: transient network errors are retried ({@link
   * GitSettings#fetchAttempts()} attempts, delay doubling), others fail at once.
   *
   * @param depth 1, 10, ..., {@link Integer#MAX_VALUE} to deepen fully, or 0 for a normal fetch
   */
  private void fetch(Repository repo, String url, String sha, List<RefSpec> specs, int depth)
      throws GitException, NetworkException {
    String remote = urls.forNetwork(url);
    long delay = settings.firstRetryDelay().toMillis();
    int max = settings.fetchAttempts();
    for (int attempt = 1; ; attempt++) {
      fetches.incrementAndGet();
      try (Git git = new Git(repo)) {
        FetchCommand fetch =
            git.fetch()
                .setRemote(remote)
                .setRefSpecs(specs)
                .setTagOpt(TagOpt.NO_TAGS)
                .setRemoveDeletedRefs(false)
                .setForceUpdate(true)
                .setTimeout(IO_TIMEOUT_SECONDS);
        if (depth > 0) {
          fetch.setDepth(depth);
        }
        if (urls.tokenApplies(url)) {
          fetch.setCredentialsProvider(
              new UsernamePasswordCredentialsProvider(
                  settings.tokenUser(), settings.accessToken().orElseThrow()));
        }
        timer.time("fetch", fetch::call);
        return;
      } catch (Exception e) {
        Throwable redacted = urls.redact(e);
        int n = attempt;
        LOG.log(
            Level.WARNING,
            "Error fetching commit "
                + sha
                + " from "
                + url
                + " (attempt "
                + n
                + "/"
                + max
                + "): "
                + redacted.getMessage());
        if (!isTransient(e)) {
          throw new GitException("Error fetching commit " + sha + " from " + url, redacted);
        }
        if (attempt >= max) {
          throw new NetworkException(
              new GitException(
                  "Network error when fetching commit "
                      + sha
                      + " from "
                      + url
                      + "\n(This may work if you try again later)",
                  redacted));
        }
        try {
          Thread.sleep(delay);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new GitException("Error fetching commit " + sha + " from " + url, redacted);
        }
        delay *= 2;
      }
    }
  }

  /**
   * Transient network failures worth retrying: the reference's TLS read errors, plus resets,
   * timeouts and refused connections seen by the Java transports.
   */
  static boolean isTransient(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLException
          || t instanceof SocketTimeoutException
          || t instanceof SocketException) {
        return true;
      }
      String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
      if (m.contains("gnutls recv error")
          || m.contains("ssl_read")
          || m.contains("connection reset")
          || m.contains("connection refused")
          || m.contains("timed out")) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- reading

  /**
   * The bytes of {@code path} at {@code sha}, without a checkout.
   *
   * @throws GitFileNotFoundException when the commit has no such file
   * @throws GitException {@code Error fetching commit ...} or {@code Error reading from <url> @
   *     <sha>}
   */
  public byte[] readFile(String url, String sha, String path) throws GitException {
    return readFile(url, sha, path, Long.MAX_VALUE);
  }

  /**
   * As {@link #readFile(String, String, String)}, refusing a file larger than {@code maxBytes}
   * before reading it ({@link GitFileTooLargeException}).
   */
  public byte[] readFile(String url, String sha, String path, long maxBytes) throws GitException {
    ensureCommitFetched(url, sha);
    try (Repository repo = open(localRepoDir(url));
        RevWalk walk = new RevWalk(repo)) {
      RevCommit commit = walk.parseCommit(ObjectId.fromString(sha));
      try (TreeWalk tw = TreeWalk.forPath(repo, path, commit.getTree())) {
        if (tw == null
            || (tw.getRawMode(0) & FileMode.TYPE_MASK) != FileMode.TYPE_FILE
                && !FileMode.SYMLINK.equals(tw.getRawMode(0))) {
          throw new GitFileNotFoundException(path);
        }
        ObjectLoader loader = repo.open(tw.getObjectId(0), Constants.OBJ_BLOB);
        if (loader.getSize() > maxBytes) {
          throw new GitFileTooLargeException(path, loader.getSize());
        }
        return loader.getBytes();
      }
    } catch (GitException e) {
      throw e;
    } catch (Exception e) {
      Throwable redacted = urls.redact(e);
      LOG.log(
          Level.WARNING, "Error reading from " + url + " @ " + sha + ": " + redacted.getMessage());
      throw new GitException("Error reading from " + url + " @ " + sha, redacted);
    }
  }

  /**
   * Writes the tree of {@code sha} into {@code target} (created if needed): files with their
   * executable bit, symlinks as symlinks, submodules skipped, nothing outside {@code target}.
   *
   * @throws GitException {@code Could not checkout commit <sha> from <url>}
   */
  public void checkout(String url, String sha, Path target) throws GitException {
    ensureCommitFetched(url, sha);
    try (Repository repo = open(localRepoDir(url))) {
      timer.time(
          "checkout",
          () -> {
            TreeCheckout.write(repo, ObjectId.fromString(sha), target);
            return null;
          });
    } catch (Exception e) {
      Throwable redacted = urls.redact(e);
      LOG.log(
          Level.WARNING,
          "Could not checkout commit " + sha + " from " + url + ": " + redacted.getMessage());
      throw new GitException("Could not checkout commit " + sha + " from " + url, redacted);
    }
  }

  // ---------------------------------------------------------------- remote refs

  /**
   * The remote's refs as {@code name -> sha}; an annotated tag also appears as {@code
   * refs/tags/<tag>^{}} with the commit it points to.
   *
   * @throws GitRepoNotReachableException {@code Could not read from <url>}
   */
  public Map<String, String> lsRemote(String url) throws GitRepoNotReachableException {
    lsRemotes.incrementAndGet();
    try {
      LsRemoteCommand ls =
          Git.lsRemoteRepository().setRemote(urls.forNetwork(url)).setTimeout(IO_TIMEOUT_SECONDS);
      if (urls.tokenApplies(url)) {
        ls.setCredentialsProvider(
            new UsernamePasswordCredentialsProvider(
                settings.tokenUser(), settings.accessToken().orElseThrow()));
      }
      Collection<Ref> refs = timer.time("ls_remote", ls::call);
      Map<String, String> out = new LinkedHashMap<>();
      for (Ref ref : refs) {
        if (ref.getObjectId() == null) {
          continue;
        }
        out.put(ref.getName(), ref.getObjectId().name());
        if (ref.getPeeledObjectId() != null) {
          out.put(ref.getName() + "^{}", ref.getPeeledObjectId().name());
        }
      }
      return out;
    } catch (Exception e) {
      Throwable redacted = urls.redact(e);
      LOG.log(
          Level.WARNING,
          "Error reading from remote repository " + url + ": " + redacted.getMessage());
      throw new GitRepoNotReachableException(url, redacted);
    }
  }

  /**
   * The commit a ref names on the remote: tried as given, as a branch, as an annotated tag
   * (dereferenced), then as a lightweight tag.
   *
   * @throws GitUnknownRefException {@code Could not find ref '<ref>' in <url>}
   */
  public String shaOfRemoteRef(String url, String ref) throws GitException {
    Map<String, String> refs = lsRemote(url);
    for (String candidate :
        List.of(ref, "refs/heads/" + ref, "refs/tags/" + ref + "^{}", "refs/tags/" + ref)) {
      String sha = refs.get(candidate);
      if (sha != null) {
        return sha;
      }
    }
    throw new GitUnknownRefException(ref, url);
  }

  /**
   * Whether {@code sha} is reachable from the remote's {@code ref}: equal to its tip; else in the
   * cache already; else after a depth-10 fetch of the tip; else after fetching its full history.
   */
  public boolean commitReachableFromRef(String url, String sha, String ref) throws GitException {
    String tip = shaOfRemoteRef(url, ref);
    if (tip.equals(sha)) {
      return true;
    }
    if (!SHA.matcher(sha).matches()) {
      return false;
    }
    Path dir = localRepoDir(url);
    return withRepoLock(
        dir,
        () -> {
          try (Repository repo = openOrInit(dir)) {
            boolean shallow = isShallow(repo);
            if (hasCommit(repo, tip) && hasCommit(repo, sha)) {
              if (isAncestor(repo, sha, tip)) {
                return true;
              }
              if (!shallow) {
                return false; // complete history: the answer is final
              }
            }
            List<RefSpec> spec = List.of(new RefSpec(tip));
            try {
              fetch(repo, url, tip, spec, 10);
              if (isAncestor(repo, sha, tip)) {
                return true;
              }
              fetch(repo, url, tip, spec, Integer.MAX_VALUE);
            } catch (NetworkException e) {
              throw e.error;
            }
            return isAncestor(repo, sha, tip);
          }
        });
  }

  private static boolean isShallow(Repository repo) {
    try {
      return !repo.getObjectDatabase().getShallowCommits().isEmpty();
    } catch (IOException e) {
      return true;
    }
  }

  private static boolean isAncestor(Repository repo, String ancestor, String descendant) {
    try (RevWalk walk = new RevWalk(repo)) {
      RevCommit a = walk.parseCommit(ObjectId.fromString(ancestor));
      RevCommit d = walk.parseCommit(ObjectId.fromString(descendant));
      return walk.isMergedInto(a, d);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- cache plumbing

  private static void requireSha(String sha, String url) throws GitException {
    if (sha == null || !SHA.matcher(sha).matches()) {
      throw new GitException("Error fetching commit " + sha + " from " + url);
    }
  }

  private static Repository open(Path dir) throws IOException {
    return new FileRepositoryBuilder().setGitDir(dir.toFile()).setMustExist(true).build();
  }

  private Repository openOrInit(Path dir) throws GitException {
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
  private interface Locked<T> {
    T run() throws GitException;
  }

  /** Runs {@code body} holding the repository's in-process lock and its file lock. */
  private <T> T withRepoLock(Path dir, Locked<T> body) throws GitException {
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

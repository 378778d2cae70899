package org.rap.common.git;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
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
import org.eclipse.jgit.transport.RefSpec;
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
 * fetch completed, and later calls for that commit do no network work at all. Fetching with its
 * retries is {@link GitFetcher}'s; opening and locking the cache repositories {@link CacheRepos}'.
 */
public final class GitRepos {
  private static final Logger LOG = Logger.getLogger(GitRepos.class.getName());
  private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}");

  static final String SENTINEL_PREFIX = "refs/tags/fetched/";

  private final GitSettings settings;
  private final RemoteUrls urls;

  private final AtomicLong lsRemotes = new AtomicLong();

  private final CallTimer timer;
  private final GitFetcher fetcher;

  public GitRepos(GitSettings settings) {
    this(settings, CallTimer.NONE);
  }

  /** Timing fetches, ls-remotes and checkouts with {@code timer}. */
  public GitRepos(GitSettings settings, CallTimer timer) {
    this.settings = settings;
    this.urls = new RemoteUrls(settings);
    this.timer = timer;
    this.fetcher = new GitFetcher(settings, urls, timer);
  }

  public GitSettings settings() {
    return settings;
  }

  public RemoteUrls urls() {
    return urls;
  }

  /** Number of fetch attempts made so far (each one talks to the remote). */
  public long fetchCount() {
    return fetcher.count();
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
    CacheRepos.withRepoLock(
        dir,
        urls,
        () -> {
          try (Repository repo = CacheRepos.openOrInit(dir, urls)) {
            if (alreadyFetched(repo, sha)) {
              return null;
            }
            GitException first;
            try {
              // JGit stores the objects of an exact-SHA refspec but writes no ref: mark it here
              fetcher.fetch(repo, url, sha, List.of(new RefSpec(sha)), 1);
              if (CacheRepos.hasCommit(repo, sha)) {
                markFetched(repo, sha, url);
                return null;
              }
              first = new GitException("Error fetching commit " + sha + " from " + url);
            } catch (GitFetcher.NetworkException e) {
              throw e.error;
            } catch (GitException e) {
              first = e;
            }
            // The server may refuse wants for commits it does not advertise: fetch everything.
            LOG.fine(() -> "Fetch by SHA failed for " + url + ", trying a full fetch");
            try {
              fetcher.fetch(
                  repo,
                  url,
                  sha,
                  List.of(
                      new RefSpec("+refs/heads/*:refs/rap/remote/heads/*"),
                      new RefSpec("+refs/tags/*:refs/rap/remote/tags/*")),
                  0);
            } catch (GitFetcher.NetworkException e) {
              throw e.error;
            } catch (GitException e) {
              throw first;
            }
            if (!CacheRepos.hasCommit(repo, sha)) {
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
      return ref != null && sha.equals(ref.getObjectId().name()) && CacheRepos.hasCommit(repo, sha);
    } catch (IOException e) {
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
    try (Repository repo = CacheRepos.open(localRepoDir(url));
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
    try (Repository repo = CacheRepos.open(localRepoDir(url))) {
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
          Git.lsRemoteRepository()
              .setRemote(urls.forNetwork(url))
              .setTimeout(GitFetcher.IO_TIMEOUT_SECONDS);
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
    return CacheRepos.withRepoLock(
        dir,
        urls,
        () -> {
          try (Repository repo = CacheRepos.openOrInit(dir, urls)) {
            boolean shallow = CacheRepos.isShallow(repo);
            if (CacheRepos.hasCommit(repo, tip) && CacheRepos.hasCommit(repo, sha)) {
              if (CacheRepos.isAncestor(repo, sha, tip)) {
                return true;
              }
              if (!shallow) {
                return false; // complete history: the answer is final
              }
            }
            List<RefSpec> spec = List.of(new RefSpec(tip));
            try {
              fetcher.fetch(repo, url, tip, spec, 10);
              if (CacheRepos.isAncestor(repo, sha, tip)) {
                return true;
              }
              fetcher.fetch(repo, url, tip, spec, Integer.MAX_VALUE);
            } catch (GitFetcher.NetworkException e) {
              throw e.error;
            }
            return CacheRepos.isAncestor(repo, sha, tip);
          }
        });
  }

  private static void requireSha(String sha, String url) throws GitException {
    if (sha == null || !SHA.matcher(sha).matches()) {
      throw new GitException("Error fetching commit " + sha + " from " + url);
    }
  }
}

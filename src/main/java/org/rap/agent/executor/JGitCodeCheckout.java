package org.rap.agent.executor;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.rap.agent.outputs.SafePaths;

/**
 * Code checkout with JGit (agent-executor.md section 4 step 6): a bare cache repository per
 * repository under {@code WORKDIR/repos/<name>.git}, a shallow fetch of the commit (tagged
 * {@code fetched/<sha>} once fetched), and a tree walk writing the files (symlinks kept,
 * executables marked, no path may leave the target).
 */
public final class JGitCodeCheckout implements CodeCheckout {
  static final int FETCH_TIMEOUT_SECONDS = 600;
  private final Path reposDir;
  private final String githubProxyDomain;
  private final Optional<String> token;
  private final String backend;
  private final boolean allowLocal;
  private final java.util.concurrent.ConcurrentHashMap<Path, Object> locks = new java.util.concurrent.ConcurrentHashMap<>();

  public JGitCodeCheckout(
      Path reposDir, String githubProxyDomain, Optional<String> token, String backend, boolean allowLocal) {
    this.reposDir = reposDir;
    this.githubProxyDomain = githubProxyDomain;
    this.token = token;
    this.backend = backend;
    this.allowLocal = allowLocal;
  }

  public static JGitCodeCheckout from(ExecutorSettings s) {
    return new JGitCodeCheckout(
        s.reposDir(), s.githubProxyDomain(), s.privateRepoAccessToken(), s.backend(), s.allowLocalGitRepos());
  }

  @Override
  public void checkout(String repoUrl, String commit, Path target) throws Exception {
    if (!commit.matches("[0-9a-f]{40}")) {
      throw new IllegalArgumentException("not a full commit SHA: " + commit);
    }
    Path cache = reposDir.resolve(repoName(repoUrl) + ".git");
    // one fetch per cache repository at a time (jobs prepare concurrently)
    synchronized (locks.computeIfAbsent(cache, k -> new Object())) {
      checkoutLocked(cache, repoUrl, commit, target);
    }
  }

  private void checkoutLocked(Path cache, String repoUrl, String commit, Path target) throws Exception {
    Repository repo = openOrInit(cache);
    try (repo) {
      ObjectId id = ObjectId.fromString(commit);
      String tag = Constants.R_TAGS + "fetched/" + commit;
      Ref fetched = repo.exactRef(tag);
      if (fetched == null) {
        try (Git git = new Git(repo)) {
          git.fetch()
              .setRemote(fetchUrl(repoUrl))
              .setRefSpecs(new RefSpec("+" + commit + ":" + tag))
              .setTagOpt(TagOpt.NO_TAGS)
              .setDepth(1)
              .setForceUpdate(true)
              .setTimeout(FETCH_TIMEOUT_SECONDS)
              .call();
        }
      }
      try (RevWalk walk = new RevWalk(repo)) {
        RevCommit c = walk.parseCommit(id);
        writeTree(repo, c, target);
      }
    }
  }

  private static Repository openOrInit(Path cache) throws Exception {
    if (!Files.isDirectory(cache)) {
      Files.createDirectories(cache.getParent());
      Path tmp = cache.resolveSibling(cache.getFileName() + ".init-" + UUID.randomUUID());
      Git.init().setBare(true).setDirectory(tmp.toFile()).call().close();
      try {
        Files.move(tmp, cache, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException raced) {
        deleteTree(tmp);
      }
    }
    return new FileRepositoryBuilder().setGitDir(cache.toFile()).setMustExist(true).build();
  }

  private static void writeTree(Repository repo, RevCommit commit, Path target) throws IOException {
    Files.createDirectories(target);
    try (TreeWalk tw = new TreeWalk(repo)) {
      tw.addTree(commit.getTree());
      tw.setRecursive(true);
      while (tw.next()) {
        String path = tw.getPathString();
        Path dest = SafePaths.resolve(target, path);
        FileMode mode = tw.getFileMode(0);
        Files.createDirectories(dest.getParent());
        if (Files.isSymbolicLink(dest) || Files.isRegularFile(dest, LinkOption.NOFOLLOW_LINKS)) {
          Files.delete(dest);
        }
        if (mode == FileMode.SYMLINK) {
          String link = new String(repo.open(tw.getObjectId(0)).getBytes(), StandardCharsets.UTF_8);
          Files.createSymbolicLink(dest, Path.of(link));
        } else if (mode == FileMode.GITLINK) {
          Files.createDirectories(dest);
        } else {
          try (OutputStream out = Files.newOutputStream(dest)) {
            repo.open(tw.getObjectId(0)).copyTo(out);
          }
          Files.setPosixFilePermissions(
              dest,
              PosixFilePermissions.fromString(mode == FileMode.EXECUTABLE_FILE ? "rwxr-xr-x" : "rw-r--r--"));
        }
      }
    }
  }

  /** The URL to fetch from: github.com via the proxy, with the token for https on the proxy. */
  String fetchUrl(String repoUrl) {
    boolean local = !repoUrl.contains("://") || repoUrl.startsWith("file://");
    if (local) {
      if (!allowLocal || !(repoUrl.startsWith("/") || repoUrl.startsWith("file:///"))) {
        throw new IllegalArgumentException("local repositories are not allowed: " + repoUrl);
      }
      return repoUrl;
    }
    if (!repoUrl.startsWith("https://") && !repoUrl.startsWith("http://")) {
      throw new IllegalArgumentException("only https repository URLs are allowed: " + repoUrl);
    }
    String url = repoUrl.replace("github.com", githubProxyDomain);
    URI uri = URI.create(url);
    if (token.isPresent()
        && "https".equals(uri.getScheme())
        && githubProxyDomain.equals(uri.getHost())
        && uri.getUserInfo() == null) {
      url = "https://jobrunner-" + backend + ":" + token.get() + "@" + url.substring("https://".length());
    }
    return url;
  }

  /** Hides the token in an error text. */
  String redact(String text) {
    return token.map(t -> text == null ? null : text.replace(t, "********")).orElse(text);
  }

  static String repoName(String url) {
    String path = url.contains("://") ? URI.create(url).getPath() : url;
    String[] parts = path.replaceAll("/+$", "").split("/");
    String name = parts.length == 0 ? "repo" : parts[parts.length - 1];
    if (name.endsWith(".git")) {
      name = name.substring(0, name.length() - 4);
    }
    name = name.replaceAll("[^A-Za-z0-9._-]", "_");
    return name.isEmpty() || name.startsWith(".") ? "repo" + name : name;
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var s = Files.walk(p)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
    }
  }
}

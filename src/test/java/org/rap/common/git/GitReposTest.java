package org.rap.common.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The git layer on real repositories created here (local paths and file:// bare repos). */
class GitReposTest {
  @TempDir Path tmp;
  private TestRepos study;
  private GitRepos repos;
  private String first;
  private String second;
  private String head;

  @BeforeEach
  void setUp() throws Exception {
    study = TestRepos.create(tmp.resolve("src"), "study");
    first =
        study.commit(
            "first", Map.of("project.yaml", "version: '1'\n", "analysis/a.py", "print(1)\n"));
    second = study.commit("second", Map.of("project.yaml", "version: '2'\n"));
    head = study.commit("third", Map.of("README.md", "hello\n"));
    repos = new GitRepos(settings(true, Optional.empty()));
  }

  @AfterEach
  void tearDown() throws Exception {
    study.close();
  }

  private GitSettings settings(boolean allowLocal, Optional<String> token) {
    return new GitSettings(
        tmp.resolve("workdir/repos"),
        "github-proxy.example.org",
        token,
        "jobrunner-ctrl",
        List.of("opensafely", "opensafely-actions"),
        allowLocal,
        5,
        Duration.ofMillis(5));
  }

  private String local() {
    return study.dir().toString();
  }

  @Test
  void readsAFileAtACommitFromALocalPath() throws Exception {
    assertEquals("version: '1'\n", text(repos.readFile(local(), first, "project.yaml")));
    assertEquals("version: '2'\n", text(repos.readFile(local(), second, "project.yaml")));
    assertTrue(
        Files.isDirectory(tmp.resolve("workdir/repos/study.git")),
        "bare cache under WORKDIR/repos");
  }

  @Test
  void readsAFileFromAFileUrlBareRepository() throws Exception {
    String url = study.bareCloneUrl(tmp.resolve("remote"), "bare-study");
    assertEquals("print(1)\n", text(repos.readFile(url, head, "analysis/a.py")));
    assertTrue(Files.isDirectory(tmp.resolve("workdir/repos/bare-study.git")));
  }

  @Test
  void secondFetchOfTheSameCommitDoesNoTransportWork() throws Exception {
    repos.readFile(local(), second, "project.yaml");
    long afterFirst = repos.fetchCount();
    assertEquals(1, afterFirst, "one depth-1 fetch by SHA");
    // the source repository disappears: a second read must be served from the cache alone
    Path moved = tmp.resolve("gone");
    Files.move(study.dir(), moved);
    assertEquals(
        "version: '2'\n", text(repos.readFile(study.dir().toString(), second, "project.yaml")));
    repos.checkout(study.dir().toString(), second, tmp.resolve("co"));
    assertEquals(afterFirst, repos.fetchCount());
    Files.move(moved, study.dir());
  }

  @Test
  void depthOneFetchIsShallow() throws Exception {
    repos.ensureCommitFetched(local(), second);
    Path shallow = tmp.resolve("workdir/repos/study.git/shallow");
    assertTrue(Files.readString(shallow).contains(second));
  }

  @Test
  void missingFileAndUnknownCommit() throws Exception {
    GitFileNotFoundException missing =
        assertThrows(
            GitFileNotFoundException.class, () -> repos.readFile(local(), first, "nope.yaml"));
    assertEquals("File 'nope.yaml' not found in repository", missing.getMessage());
    // a directory is not a file
    assertThrows(GitFileNotFoundException.class, () -> repos.readFile(local(), first, "analysis"));
    String unknown = "0123456789abcdef0123456789abcdef01234567";
    long before = repos.fetchCount();
    GitException e =
        assertThrows(GitException.class, () -> repos.readFile(local(), unknown, "project.yaml"));
    assertEquals("Error fetching commit " + unknown + " from " + local(), e.getMessage());
    assertEquals(
        before + 2, repos.fetchCount(), "depth-1 fetch by SHA, then the full-fetch fallback");
    GitException bad = assertThrows(GitException.class, () -> repos.readFile(local(), "main", "x"));
    assertEquals("Error fetching commit main from " + local(), bad.getMessage());
  }

  @Test
  void lsRemoteListsHeadsAndTagsWithAnnotatedTagsDereferenced() throws Exception {
    study.lightweightTag("v1.0.0", first);
    study.annotatedTag("v2.0.0", second);
    Map<String, String> refs = repos.lsRemote(local());
    assertEquals(head, refs.get("refs/heads/main"));
    assertEquals(first, refs.get("refs/tags/v1.0.0"));
    assertNotEquals(second, refs.get("refs/tags/v2.0.0"), "the tag object itself");
    assertEquals(second, refs.get("refs/tags/v2.0.0^{}"));
    assertEquals(first, repos.shaOfRemoteRef(local(), "v1.0.0"));
    assertEquals(second, repos.shaOfRemoteRef(local(), "v2.0.0"));
    assertEquals(head, repos.shaOfRemoteRef(local(), "main"));
    assertEquals(head, repos.shaOfRemoteRef(local(), "refs/heads/main"));
    GitUnknownRefException unknown =
        assertThrows(GitUnknownRefException.class, () -> repos.shaOfRemoteRef(local(), "v9"));
    assertEquals("Could not find ref 'v9' in " + local(), unknown.getMessage());
    GitRepoNotReachableException unreachable =
        assertThrows(
            GitRepoNotReachableException.class,
            () -> repos.lsRemote(tmp.resolve("nothing-here").toString()));
    assertEquals("Could not read from " + tmp.resolve("nothing-here"), unreachable.getMessage());
  }

  @Test
  void commitReachabilityFromBranch() throws Exception {
    study.checkoutNewBranch("feature");
    String onFeature = study.commit("feature work", Map.of("f.txt", "f\n"));
    study.checkoutBranch("main");
    String url = study.bareCloneUrl(tmp.resolve("remote"), "reach");
    RepositoryValidator v = new RepositoryValidator(repos);

    // the head: no fetch needed
    v.validateBranchAndCommit(url, head, "main");
    assertEquals(0, repos.fetchCount());
    // an older commit on main: found after the depth-10 fetch
    v.validateBranchAndCommit(url, first, "main");
    assertEquals(1, repos.fetchCount());
    // again: answered from the cache
    v.validateBranchAndCommit(url, first, "main");
    assertEquals(1, repos.fetchCount());

    RepositoryValidationException notOnBranch =
        assertThrows(
            RepositoryValidationException.class,
            () -> v.validateBranchAndCommit(url, onFeature, "main"));
    assertEquals("Could not find commit on branch 'main': " + onFeature, notOnBranch.getMessage());
    v.validateBranchAndCommit(url, onFeature, "feature");
    v.validateBranchAndCommit(url, first, "feature");

    RepositoryValidationException noBranch =
        assertThrows(
            RepositoryValidationException.class,
            () -> v.validateBranchAndCommit(url, head, "nope"));
    assertEquals("Could not find branch 'nope'", noBranch.getMessage());
    RepositoryValidationException blank =
        assertThrows(
            RepositoryValidationException.class, () -> v.validateBranchAndCommit(url, head, ""));
    assertEquals("A branch name must be supplied", blank.getMessage());
    String unknown = "0123456789abcdef0123456789abcdef01234567";
    assertEquals(
        "Could not find commit on branch 'main': " + unknown,
        assertThrows(
                RepositoryValidationException.class,
                () -> v.validateBranchAndCommit(url, unknown, "main"))
            .getMessage());
  }

  @Test
  void reachabilityBeyondTheFirstTenCommitsNeedsTheFullHistory() throws Exception {
    for (int i = 0; i < 12; i++) {
      study.commit("c" + i, Map.of("n.txt", "" + i));
    }
    new RepositoryValidator(repos).validateBranchAndCommit(local(), first, "main");
    assertEquals(2, repos.fetchCount(), "depth 10, then the full history");
  }

  @Test
  void reachabilityAfterAShallowFetchOfTheCommitItself() throws Exception {
    repos.ensureCommitFetched(local(), first); // depth 1: 'first' is shallow in the cache
    new RepositoryValidator(repos).validateBranchAndCommit(local(), first, "main");
    study.checkoutNewBranch("side");
    String side = study.commit("side", Map.of("s", "s"));
    repos.ensureCommitFetched(local(), side);
    assertThrows(
        RepositoryValidationException.class,
        () -> new RepositoryValidator(repos).validateBranchAndCommit(local(), side, "main"));
  }

  @Test
  void checkoutWritesFilesExecBitsAndSymlinksAndSkipsSubmodules() throws Exception {
    Path script = study.dir().resolve("run.sh");
    study.commit("files", Map.of("run.sh", "#!/bin/sh\necho hi\n", "deep/dir/data.csv", "a,b\n"));
    Files.setPosixFilePermissions(
        script,
        Set.of(
            PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_EXECUTE));
    Files.createSymbolicLink(study.dir().resolve("link.csv"), Path.of("deep/dir/data.csv"));
    study.git().add().addFilepattern("run.sh").addFilepattern("link.csv").call();
    String sha = study.commit("exec and link", Map.of());
    String withGitlink = addGitlink(sha);

    Path target = tmp.resolve("checkout");
    repos.checkout(local(), withGitlink, target);
    assertEquals("a,b\n", Files.readString(target.resolve("deep/dir/data.csv")));
    assertTrue(Files.isExecutable(target.resolve("run.sh")));
    assertFalse(
        Files.getPosixFilePermissions(target.resolve("deep/dir/data.csv"))
            .contains(PosixFilePermission.OWNER_EXECUTE));
    assertTrue(Files.isSymbolicLink(target.resolve("link.csv")));
    assertEquals(Path.of("deep/dir/data.csv"), Files.readSymbolicLink(target.resolve("link.csv")));
    assertFalse(Files.exists(target.resolve("sub")), "gitlinks are skipped");
    assertFalse(Files.exists(target.resolve(".git")));
  }

  @Test
  void checkoutRefusesPathsOutsideTheTarget() throws Exception {
    Path target = tmp.resolve("sandbox/checkout");
    // a tree with an entry named ".."
    String dotdot =
        commitTree(
            root -> {
              ObjectId inner = tree(root.inserter, Map.of("evil.txt", blob(root.inserter, "evil")));
              root.formatter.append("..", FileMode.TREE, inner);
            });
    GitException e =
        assertThrows(GitException.class, () -> repos.checkout(local(), dotdot, target));
    assertEquals("Could not checkout commit " + dotdot + " from " + local(), e.getMessage());
    assertTrue(
        String.valueOf(e.getCause()).contains("outside the target directory"),
        String.valueOf(e.getCause()));
    assertFalse(Files.exists(tmp.resolve("sandbox/evil.txt")));

    // a symlink to outside followed by a directory of the same name
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    String viaLink =
        commitTree(
            root -> {
              root.formatter.append(
                  "link", FileMode.SYMLINK, blob(root.inserter, outside.toString()));
              root.formatter.append(
                  "link",
                  FileMode.TREE,
                  tree(root.inserter, Map.of("pwned.txt", blob(root.inserter, "x"))));
            });
    assertThrows(GitException.class, () -> repos.checkout(local(), viaLink, tmp.resolve("co2")));
    assertFalse(Files.exists(outside.resolve("pwned.txt")));
  }

  @Test
  void concurrentFetchesOfOneRepositoryShareOneFetch() throws Exception {
    String url = study.bareCloneUrl(tmp.resolve("remote"), "concurrent");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        String sha = i % 2 == 0 ? second : head;
        results.add(
            pool.submit((Callable<String>) () -> text(repos.readFile(url, sha, "project.yaml"))));
      }
      for (int i = 0; i < results.size(); i++) {
        assertEquals(i % 2 == 0 ? "version: '2'\n" : "version: '2'\n", results.get(i).get());
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(2, repos.fetchCount(), "one fetch per commit despite 16 concurrent readers");
    repos.checkout(url, head, tmp.resolve("co"));
    assertEquals("hello\n", Files.readString(tmp.resolve("co/README.md")));
  }

  @Test
  void controllerAndAgentInstancesInOneProcessShareTheCacheSafely() throws Exception {
    GitRepos agent =
        new GitRepos(
            new GitSettings(
                tmp.resolve("workdir/repos"),
                "github-proxy.example.org",
                Optional.empty(),
                "jobrunner-test",
                List.of("opensafely"),
                true,
                5,
                Duration.ofMillis(5)));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        GitRepos r = i % 2 == 0 ? repos : agent;
        String sha = i % 4 < 2 ? first : second;
        int n = i;
        results.add(
            pool.submit(
                (Callable<Void>)
                    () -> {
                      r.checkout(local(), sha, tmp.resolve("co" + n));
                      return null;
                    }));
      }
      for (Future<?> f : results) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals("version: '1'\n", Files.readString(tmp.resolve("co0/project.yaml")));
    assertEquals(2, repos.fetchCount() + agent.fetchCount(), "each commit fetched once for both");
  }

  @Test
  void tokenNeverAppearsInMessagesCausesOrLogs() throws Exception {
    String token = "ghp_S3cretT0kenValue";
    // the proxy is a closed port: every attempt is a (transient) connection failure
    GitRepos withToken =
        new GitRepos(
            settings(false, Optional.of(token)).withProxy("127.0.0.1:1", Optional.of(token)));
    List<String> logged = new ArrayList<>();
    Logger logger = Logger.getLogger(GitRepos.class.getPackageName()); // every git class
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            logged.add(r.getMessage() + " " + r.getThrown());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    logger.addHandler(capture);
    try {
      String url = "https://github.com/opensafely/private-study";
      assertEquals(
          "https://jobrunner-ctrl:" + token + "@127.0.0.1:1/opensafely/private-study",
          withToken.urls().forNetwork(url));
      GitException e =
          assertThrows(GitException.class, () -> withToken.readFile(url, first, "project.yaml"));
      assertEquals(
          "Network error when fetching commit "
              + first
              + " from "
              + url
              + "\n(This may work if you try again later)",
          e.getMessage());
      assertEquals(5, withToken.fetchCount(), "5 attempts on a transient network error");
      assertNoToken(e, token);

      GitRepoNotReachableException ls =
          assertThrows(GitRepoNotReachableException.class, () -> withToken.lsRemote(url));
      assertEquals("Could not read from " + url, ls.getMessage());
      assertNoToken(ls, token);
    } finally {
      logger.removeHandler(capture);
    }
    assertFalse(logged.isEmpty());
    for (String line : logged) {
      assertFalse(line.contains(token), line);
    }
  }

  @Test
  void urlRewritingAndTokenPlacement() {
    String token = "tok123";
    GitSettings s = settings(false, Optional.of(token));
    RemoteUrls ctrl = new RemoteUrls(s);
    assertEquals(
        "https://jobrunner-ctrl:tok123@github-proxy.example.org/opensafely/x",
        ctrl.forNetwork("https://github.com/opensafely/x"));
    RemoteUrls agent =
        new RemoteUrls(
            new GitSettings(
                s.reposDir(),
                s.githubProxyDomain(),
                s.accessToken(),
                "jobrunner-tpp",
                s.allowedGithubOrgs(),
                false,
                5,
                Duration.ZERO));
    assertEquals(
        "https://jobrunner-tpp:tok123@github-proxy.example.org/opensafely/x",
        agent.forNetwork("https://github.com/opensafely/x"));
    // never to other hosts, never over plain http, never over existing credentials
    assertEquals(
        "https://example.com/opensafely/x", ctrl.forNetwork("https://example.com/opensafely/x"));
    assertEquals(
        "http://github.com/opensafely/x", ctrl.forNetwork("http://github.com/opensafely/x"));
    assertEquals(
        "https://me:pw@github-proxy.example.org/x",
        ctrl.forNetwork("https://me:pw@github-proxy.example.org/x"));
    assertEquals("/local/path", ctrl.forNetwork("/local/path"));
    // without a token only the proxy applies
    assertEquals(
        "https://github-proxy.example.org/opensafely/x",
        new RemoteUrls(settings(false, Optional.empty()))
            .forNetwork("https://github.com/opensafely/x"));
    assertEquals("fatal: ******** and ********", ctrl.redact("fatal: tok123 and tok123"));
    assertFalse(s.toString().contains(token));
  }

  @Test
  void cacheDirectoryNamesAreSafe() {
    assertEquals("my-study", RemoteUrls.repoName("https://github.com/opensafely/my-study"));
    assertEquals("my-study", RemoteUrls.repoName("https://github.com/opensafely/my-study/"));
    assertEquals("my-study", RemoteUrls.repoName("file:///tmp/x/my-study.git"));
    assertEquals("study", RemoteUrls.repoName("/tmp/a/study"));
    assertEquals("repo", RemoteUrls.repoName("https://github.com/.."));
    assertEquals("a_b", RemoteUrls.repoName("https://github.com/org/a b?x=1"));
    assertEquals("repo", RemoteUrls.repoName(""));
  }

  // ------------------------------------------------------------ helpers

  private static void assertNoToken(Throwable e, String token) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertFalse(String.valueOf(t.getMessage()).contains(token), String.valueOf(t.getMessage()));
      assertFalse(t.toString().contains(token), t.toString());
    }
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private record Root(ObjectInserter inserter, TreeFormatter formatter) {}

  private interface TreeBody {
    void fill(Root root) throws Exception;
  }

  private static ObjectId blob(ObjectInserter ins, String text) throws Exception {
    return ins.insert(Constants.OBJ_BLOB, text.getBytes(StandardCharsets.UTF_8));
  }

  private static ObjectId tree(ObjectInserter ins, Map<String, ObjectId> blobs) throws Exception {
    TreeFormatter f = new TreeFormatter();
    for (Map.Entry<String, ObjectId> e : new TreeMap<>(blobs).entrySet()) {
      f.append(e.getKey(), FileMode.REGULAR_FILE, e.getValue());
    }
    return ins.insert(f);
  }

  /** Commits a hand-built (possibly malformed) tree on main and returns the commit id. */
  private String commitTree(TreeBody body) throws Exception {
    Repository repo = study.git().getRepository();
    try (ObjectInserter ins = repo.newObjectInserter()) {
      TreeFormatter root = new TreeFormatter();
      body.fill(new Root(ins, root));
      ObjectId treeId = ins.insert(root);
      return commitOnMain(repo, ins, treeId);
    }
  }

  private String addGitlink(String parentSha) throws Exception {
    Repository repo = study.git().getRepository();
    try (ObjectInserter ins = repo.newObjectInserter();
        RevWalk walk = new RevWalk(repo)) {
      RevCommit parent = walk.parseCommit(ObjectId.fromString(parentSha));
      TreeFormatter f = new TreeFormatter();
      try (TreeWalk tw = new TreeWalk(repo)) {
        tw.addTree(parent.getTree());
        List<String[]> entries = new ArrayList<>();
        boolean added = false;
        while (tw.next()) {
          if (!added && tw.getNameString().compareTo("sub") > 0) {
            f.append("sub", FileMode.GITLINK, ObjectId.fromString(first));
            added = true;
          }
          f.append(tw.getNameString(), tw.getFileMode(0), tw.getObjectId(0));
        }
        if (!added) {
          f.append("sub", FileMode.GITLINK, ObjectId.fromString(first));
        }
      }
      return commitOnMain(repo, ins, ins.insert(f));
    }
  }

  private static String commitOnMain(Repository repo, ObjectInserter ins, ObjectId treeId)
      throws Exception {
    CommitBuilder cb = new CommitBuilder();
    cb.setTreeId(treeId);
    cb.setParentId(repo.resolve("refs/heads/main"));
    cb.setAuthor(TestRepos.AUTHOR);
    cb.setCommitter(TestRepos.AUTHOR);
    cb.setMessage("crafted");
    ObjectId id = ins.insert(cb);
    ins.flush();
    RefUpdate ru = repo.updateRef("refs/heads/main");
    ru.setNewObjectId(id);
    ru.forceUpdate();
    return id.name();
  }
}

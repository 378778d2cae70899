package org.rap.common.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;

/** Real git repositories for tests: a working repository on branch main, committed with JGit. */
public final class TestRepos implements AutoCloseable {
  public static final PersonIdent AUTHOR =
      new PersonIdent(
          "Test", "test@example.com", Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);

  private final Path dir;
  private final Git git;

  private TestRepos(Path dir, Git git) {
    this.dir = dir;
    this.git = git;
  }

  /** A new repository in {@code parent/name} with branch main (no commits yet). */
  public static TestRepos create(Path parent, String name) throws Exception {
    Path dir = parent.resolve(name);
    Files.createDirectories(dir);
    Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call();
    return new TestRepos(dir, git);
  }

  public Path dir() {
    return dir;
  }

  public Git git() {
    return git;
  }

  /** Writes the files (path → text, null deletes) and commits them on the current branch. */
  public String commit(String message, Map<String, String> files) throws Exception {
    for (Map.Entry<String, String> e : files.entrySet()) {
      Path p = dir.resolve(e.getKey());
      if (e.getValue() == null) {
        Files.deleteIfExists(p);
        git.rm().addFilepattern(e.getKey()).call();
      } else {
        Files.createDirectories(p.getParent());
        Files.writeString(p, e.getValue(), StandardCharsets.UTF_8);
        git.add().addFilepattern(e.getKey()).call();
      }
    }
    RevCommit c =
        git.commit()
            .setMessage(message)
            .setAuthor(AUTHOR)
            .setCommitter(AUTHOR)
            .setSign(false)
            .setAllowEmpty(true)
            .call();
    return c.name();
  }

  public void checkoutNewBranch(String branch) throws Exception {
    git.checkout().setCreateBranch(true).setName(branch).call();
  }

  public void checkoutBranch(String branch) throws Exception {
    git.checkout().setName(branch).call();
  }

  public void lightweightTag(String name, String sha) throws Exception {
    git.tag()
        .setName(name)
        .setAnnotated(false)
        .setObjectId(git.getRepository().parseCommit(ObjectId.fromString(sha)))
        .call();
  }

  public void annotatedTag(String name, String sha) throws Exception {
    git.tag()
        .setName(name)
        .setAnnotated(true)
        .setMessage("release " + name)
        .setTagger(AUTHOR)
        .setSigned(false)
        .setObjectId(git.getRepository().parseCommit(ObjectId.fromString(sha)))
        .call();
  }

  /** A bare clone next to this repository, as a {@code file://} URL. */
  public String bareCloneUrl(Path parent, String name) throws Exception {
    Path bare = parent.resolve(name + ".git");
    Git.cloneRepository()
        .setURI(dir.toUri().toString())
        .setDirectory(bare.toFile())
        .setBare(true)
        .setCloneAllBranches(true)
        .call()
        .close();
    return bare.toUri().toString();
  }

  @Override
  public void close() throws IOException {
    git.close();
  }
}

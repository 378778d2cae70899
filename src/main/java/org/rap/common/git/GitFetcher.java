package org.rap.common.git;

import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLException;
import org.eclipse.jgit.api.FetchCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.rap.common.telemetry.CallTimer;

/**
 * Fetches into a cache repository of {@link GitRepos} with the reference's retry policy: transient
 * network errors are retried ({@link GitSettings#fetchAttempts()} attempts, delay doubling), other
 * errors fail at once. The token, when it applies, goes only to the remote; every message is
 * redacted. Blocking.
 */
final class GitFetcher {
  private static final Logger LOG = Logger.getLogger(GitFetcher.class.getName());

  /** Seconds without any data from the remote before a transfer is abandoned (and retried). */
  static final int IO_TIMEOUT_SECONDS = 120;

  private final GitSettings settings;
  private final RemoteUrls urls;
  private final CallTimer timer;
  private final AtomicLong fetches = new AtomicLong();

  GitFetcher(GitSettings settings, RemoteUrls urls, CallTimer timer) {
    this.settings = settings;
    this.urls = urls;
    this.timer = timer;
  }

  /** Fetch attempts made so far (each one talks to the remote). */
  long count() {
    return fetches.get();
  }

  /** Thrown out of {@link #fetch} when retries on network errors ran out (no fallback then). */
  static final class NetworkException extends Exception {
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
  void fetch(Repository repo, String url, String sha, List<RefSpec> specs, int depth)
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
}

package org.rap.common.git;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Network URLs and redaction: {@code github.com} becomes {@code GITHUB_PROXY_DOMAIN}, and the
 * access token is inserted as user info ({@code <tokenUser>:<token>@}) only for https URLs on the
 * proxy host that carry no credentials. Anything that may contain the token goes through {@link
 * #redact(String)} before it reaches a log or an error message.
 */
public final class RemoteUrls {
  public static final String MASK = "********";
  private static final Pattern HTTPS_URL =
      Pattern.compile("^(https)://([^/?#]*)(.*)$", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

  private final GitSettings settings;

  public RemoteUrls(GitSettings settings) {
    this.settings = settings;
  }

  /** The URL to contact: proxied and, where allowed, with the token. Never log the result. */
  public String forNetwork(String url) {
    Matcher m = HTTPS_URL.matcher(url);
    if (!m.matches()) {
      return url; // local path, file:// and other transports are used as given
    }
    String authority = m.group(2);
    String rest = m.group(3);
    if (authority.equalsIgnoreCase("github.com")) {
      authority = settings.githubProxyDomain();
    }
    Optional<String> token = settings.accessToken();
    if (token.isPresent()
        && m.group(1).equalsIgnoreCase("https")
        && authority.equalsIgnoreCase(settings.githubProxyDomain())
        && !authority.contains("@")) {
      authority = settings.tokenUser() + ":" + token.get() + "@" + authority;
    }
    return "https://" + authority + rest;
  }

  /** Whether {@link #forNetwork} puts the token into this URL. */
  public boolean tokenApplies(String url) {
    return settings.accessToken().isPresent() && !forNetwork(url).equals(redact(forNetwork(url)));
  }

  /** {@code text} with every occurrence of the token (plain or URL-encoded) masked. */
  public String redact(String text) {
    if (text == null || settings.accessToken().isEmpty()) {
      return text;
    }
    String token = settings.accessToken().get();
    String out = text.replace(token, MASK);
    String encoded = URLEncoder.encode(token, StandardCharsets.UTF_8);
    if (!encoded.equals(token)) {
      out = out.replace(encoded, MASK);
    }
    return out;
  }

  /**
   * A copy of {@code t} (and its causes) whose messages are redacted, keeping class names and stack
   * traces, for attaching as a cause or logging.
   */
  public Throwable redact(Throwable t) {
    if (t == null) {
      return null;
    }
    RedactedError copy =
        new RedactedError(
            t.getClass().getName() + ": " + redact(t.getMessage()), redact(t.getCause()));
    copy.setStackTrace(t.getStackTrace());
    return copy;
  }

  /** The cache directory name for a repository: its last path segment without {@code .git}. */
  public static String repoName(String url) {
    String path = url;
    int scheme = path.indexOf("://");
    if (scheme >= 0) {
      path = path.substring(scheme + 3);
      int slash = path.indexOf('/');
      path = slash < 0 ? "" : path.substring(slash);
    }
    int cut = indexOfAny(path, "?#");
    if (cut >= 0) {
      path = path.substring(0, cut);
    }
    String trimmed = path.replaceAll("^/+", "").replaceAll("/+$", "");
    String name = trimmed.substring(trimmed.lastIndexOf('/') + 1);
    if (name.endsWith(".git")) {
      name = name.substring(0, name.length() - 4);
    }
    name = name.replaceAll("[^A-Za-z0-9._-]", "_");
    if (name.isEmpty() || name.chars().allMatch(c -> c == '.')) {
      return "repo";
    }
    return name;
  }

  private static int indexOfAny(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  /** A redacted stand-in for a library exception. */
  static final class RedactedError extends Exception {
    RedactedError(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public String toString() {
      return getMessage();
    }
  }
}

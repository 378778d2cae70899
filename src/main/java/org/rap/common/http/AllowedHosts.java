package org.rap.common.http;

import java.util.List;
import java.util.Locale;

/**
 * The host names a service answers to, matched against a request's {@code Host} (HTTP/2: {@code
 * :authority}) without its port, case ignored, as web frameworks' allowed-hosts lists do: {@code *}
 * matches any name, {@code .example.org} that domain and every subdomain, anything else exactly
 * (IPv6 addresses in brackets: {@code [::1]}).
 */
public final class AllowedHosts {
  private final List<String> patterns;

  public AllowedHosts(List<String> patterns) {
    this.patterns = patterns.stream().map(AllowedHosts::normalise).toList();
  }

  public boolean allows(String host) {
    if (host == null || host.isBlank()) {
      return false;
    }
    String h = normalise(host);
    for (String p : patterns) {
      if (p.equals("*") || p.equals(h)) {
        return true;
      }
      if (p.startsWith(".") && (h.endsWith(p) || h.equals(p.substring(1)))) {
        return true;
      }
    }
    return false;
  }

  public List<String> patterns() {
    return patterns;
  }

  /** Lower case, no trailing dot, IPv6 addresses bracketed. */
  static String normalise(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.endsWith(".") && h.length() > 1) {
      h = h.substring(0, h.length() - 1);
    }
    if (h.indexOf(':') >= 0 && !h.startsWith("[")) {
      h = "[" + h + "]";
    }
    return h;
  }
}

package org.rap.controller.api.rap;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.rap.common.config.ControllerConfig;

/**
 * The client token table: each {@code <BACKEND>_CLIENT_TOKENS} entry inverted into token → the
 * backends it may use, in {@code BACKENDS} order (docs/spec/rap-api.md section 2).
 */
public final class ClientTokens {
  private final Map<String, List<String>> backendsByToken;

  ClientTokens(Map<String, List<String>> backendsByToken) {
    this.backendsByToken = backendsByToken;
  }

  public static ClientTokens from(ControllerConfig config) {
    Map<String, List<String>> table = new LinkedHashMap<>();
    for (String slug : config.backendSlugs()) {
      for (String token : config.backend(slug).clientTokens()) {
        if (!token.isEmpty()) {
          table.computeIfAbsent(token, t -> new ArrayList<>()).add(slug);
        }
      }
    }
    table.replaceAll((t, l) -> List.copyOf(l));
    return new ClientTokens(Map.copyOf(table));
  }

  /**
   * The backends of the token in an {@code Authorization} header value: the raw token (what
   * job-server sends) or {@code Bearer <token>}. Every known token is compared in constant time.
   */
  public Optional<List<String>> backendsFor(String headerValue) {
    List<String> found = lookup(headerValue);
    if (found == null && headerValue.regionMatches(true, 0, "Bearer ", 0, 7)) {
      found = lookup(headerValue.substring(7).strip());
    }
    return Optional.ofNullable(found);
  }

  private List<String> lookup(String candidate) {
    byte[] given = candidate.getBytes(StandardCharsets.UTF_8);
    List<String> match = null;
    for (Map.Entry<String, List<String>> e : backendsByToken.entrySet()) {
      if (MessageDigest.isEqual(given, e.getKey().getBytes(StandardCharsets.UTF_8))) {
        match = e.getValue();
      }
    }
    return match;
  }
}

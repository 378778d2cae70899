package org.rap.controller.api.rap;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.rap.common.config.ControllerConfig;
import org.rap.common.http.Tokens;

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
   * job-server sends) or {@code Bearer <token>}.
   */
  public Optional<List<String>> backendsFor(String headerValue) {
    return token(headerValue).map(backendsByToken::get);
  }

  /**
   * The configured token an {@code Authorization} header value carries, if any. Every known token
   * is compared, each in constant time ({@link Tokens#same}), whatever matches: the time taken
   * tells nothing about which token, or how much of one, was guessed.
   */
  public Optional<String> token(String headerValue) {
    if (headerValue == null || headerValue.isEmpty()) {
      return Optional.empty();
    }
    String match = lookup(headerValue);
    if (match == null && headerValue.regionMatches(true, 0, "Bearer ", 0, 7)) {
      match = lookup(headerValue.substring(7).strip());
    }
    return Optional.ofNullable(match);
  }

  private String lookup(String candidate) {
    String match = null;
    for (String token : backendsByToken.keySet()) {
      if (Tokens.same(candidate, token)) {
        match = token;
      }
    }
    return match;
  }
}

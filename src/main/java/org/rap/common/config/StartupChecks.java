package org.rap.common.config;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a service must have before it starts, beyond well-formed settings: a controller refuses to
 * run with guessable tokens or without knowing its host names; {@code --role=all} and {@code demo}
 * generate random tokens for this run instead of asking for them.
 */
public final class StartupChecks {
  /** Shortest token accepted: 32 characters, e.g. {@code openssl rand -hex 32} gives 64. */
  public static final int MIN_TOKEN_LENGTH = 32;

  /** The reference's default token, which every copy of its samples knows. */
  static final String WELL_KNOWN = "token";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String HOW =
      "use a random secret of at least "
          + MIN_TOKEN_LENGTH
          + " characters (e.g. `openssl rand -hex 32`)";

  private StartupChecks() {}

  /**
   * A controller's tokens and allowed hosts. Every backend's agent token must be set and strong;
   * every client token too, and each backend needs at least one unless the controller pulls jobs
   * from job-server (sync mode); an ops page token, when set, is held to the same rule.
   */
  public static void controller(Settings s, ControllerConfig c, boolean requireAllowedHosts) {
    for (String slug : c.backendSlugs()) {
      String p = ConfigKeys.backendPrefix(slug);
      checkToken(s, p + "JOB_SERVER_TOKEN", s.raw(p + "JOB_SERVER_TOKEN"), "this backend's agent");
      List<String> clients = c.backend(slug).clientTokens();
      if (clients.isEmpty() && c.jobServerEndpoint().isEmpty()) {
        s.problem(
            p
                + "CLIENT_TOKENS is not set: list the RAP API token(s) job-server uses for backend "
                + slug
                + "; "
                + HOW);
      }
      for (int i = 0; i < clients.size(); i++) {
        String what =
            clients.size() == 1 ? "" : " (token " + (i + 1) + " of " + clients.size() + ")";
        weakness(clients.get(i))
            .ifPresent(w -> s.problem(p + "CLIENT_TOKENS", p + "CLIENT_TOKENS" + what + w));
      }
    }
    c.opsPageToken()
        .flatMap(StartupChecks::weakness)
        .ifPresent(w -> s.problem("OPS_PAGE_TOKEN", "OPS_PAGE_TOKEN" + w));
    if (requireAllowedHosts
        && s.get("CONTROLLER_ALLOWED_HOSTS").isEmpty()
        && s.get("DJANGO_CONTROLLER_ALLOWED_HOSTS").isEmpty()) {
      s.problem(
          "CONTROLLER_ALLOWED_HOSTS is not set: list the host names job-server and agents use to"
              + " reach this controller, comma separated (e.g. controller.example.org,localhost;"
              + " .example.org for a whole domain; * for any)");
    }
  }

  /** An agent started on its own must be given its token. */
  public static void agent(Settings s) {
    if (s.raw("CONTROLLER_TASK_API_TOKEN").isEmpty()) {
      s.problem(
          "CONTROLLER_TASK_API_TOKEN is not set: give the agent its backend's token (the"
              + " controller's <BACKEND>_JOB_SERVER_TOKEN)");
    }
  }

  private static void checkToken(Settings s, String key, Optional<String> value, String whose) {
    if (value.isEmpty() || value.get().isBlank()) {
      s.problem(key + " is not set: " + whose + " token; " + HOW);
      return;
    }
    weakness(value.get()).ifPresent(w -> s.problem(key, key + w));
  }

  /** Why a token is too weak ({@code " is too short ..."}), never quoting it. */
  static Optional<String> weakness(String token) {
    if (token.strip().equalsIgnoreCase(WELL_KNOWN)) {
      return Optional.of(" is the well-known default 'token'; " + HOW);
    }
    int length = token.strip().length();
    if (length < MIN_TOKEN_LENGTH) {
      return Optional.of(" is too short (" + length + " characters); " + HOW);
    }
    return Optional.empty();
  }

  /**
   * Random tokens for whatever {@code --role=all} or {@code demo} was not given: each backend's
   * agent token and client token, and the in-process agent's copy of its backend's token.
   *
   * @return the settings to add (empty when everything was configured)
   */
  public static Map<String, String> generatedTokens(Settings s, String agentBackend) {
    Map<String, String> out = new LinkedHashMap<>();
    String client = null;
    for (String slug : s.list("BACKENDS", "test,tpp,emis,ted")) {
      String p = ConfigKeys.backendPrefix(slug);
      if (s.raw(p + "JOB_SERVER_TOKEN").filter(t -> !t.isBlank()).isEmpty()) {
        out.put(p + "JOB_SERVER_TOKEN", randomToken());
      }
      if (s.list(p + "CLIENT_TOKENS", "").isEmpty()) {
        client = client == null ? randomToken() : client;
        out.put(p + "CLIENT_TOKENS", client);
      }
    }
    String agentKey = ConfigKeys.backendPrefix(agentBackend) + "JOB_SERVER_TOKEN";
    if (s.raw("CONTROLLER_TASK_API_TOKEN").filter(t -> !t.isBlank()).isEmpty()) {
      Optional.ofNullable(out.get(agentKey))
          .or(() -> s.raw(agentKey))
          .ifPresent(t -> out.put("CONTROLLER_TASK_API_TOKEN", t));
    }
    return out;
  }

  /** 256 random bits, URL-safe base64 (43 characters). */
  public static String randomToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The generated client tokens among {@code generated} (one value shared by every backend). */
  public static List<String> generatedClientTokens(Map<String, String> generated) {
    List<String> out = new ArrayList<>();
    generated.forEach(
        (k, v) -> {
          if (k.endsWith("_CLIENT_TOKENS") && !out.contains(v)) {
            out.add(v);
          }
        });
    return out;
  }
}

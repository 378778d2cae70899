package org.rap.testing;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tokens that a controller process accepts (random-looking, at least 32 characters), and the
 * settings a test's {@code --role=controller} process needs besides its own: every backend's agent
 * and client tokens and the host names the test reaches it by.
 */
public final class TestTokens {
  /** The agent token of every backend in these settings. */
  public static final String AGENT = "agent-token-7c1f0e9b4d2a8e6f3b5c";

  /** The RAP API client token of every backend in these settings. */
  public static final String CLIENT = "client-token-3e8a1d6c9f2b7e4a0d5c";

  private TestTokens() {}

  /** Tokens for each of {@code backends} and loopback as the allowed hosts. */
  public static Map<String, String> controllerEnv(String... backends) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String b : backends) {
      String p = b.toUpperCase().replace('-', '_') + "_";
      env.put(p + "JOB_SERVER_TOKEN", AGENT);
      env.put(p + "CLIENT_TOKENS", CLIENT);
    }
    env.put("CONTROLLER_ALLOWED_HOSTS", "localhost,127.0.0.1");
    return env;
  }
}

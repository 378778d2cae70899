package org.rap.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A controller refuses guessable tokens; --role=all makes its own. */
class StartupChecksTest {
  private static final String STRONG = "0123456789abcdef0123456789abcdef";

  private static ConfigException refused(Map<String, String> env, boolean hosts) {
    Settings s = Settings.of(env);
    ControllerConfig c = ControllerConfig.from(s);
    StartupChecks.controller(s, c, hosts);
    return assertThrows(ConfigException.class, s::throwIfInvalid);
  }

  @Test
  void everyWeakOrMissingTokenIsNamedOnceWithoutItsValue() {
    Map<String, String> env = new HashMap<>();
    env.put("BACKENDS", "test,tpp,emis,ted");
    env.put("TEST_JOB_SERVER_TOKEN", "token");
    env.put("TPP_JOB_SERVER_TOKEN", "short-secret-x");
    env.put("EMIS_JOB_SERVER_TOKEN", STRONG);
    env.put("TED_JOB_SERVER_TOKEN", STRONG + "x");
    env.put("TEST_CLIENT_TOKENS", STRONG + ",tiny-client-secret");
    env.put("TPP_CLIENT_TOKENS", STRONG);
    env.put("EMIS_CLIENT_TOKENS", "TOKEN");
    env.put("OPS_PAGE_TOKEN", "ops-secret-9");
    ConfigException e = refused(env, true);
    assertEquals(
        List.of(
            "TEST_JOB_SERVER_TOKEN is the well-known default 'token'; use a random secret of at"
                + " least 32 characters (e.g. `openssl rand -hex 32`)",
            "TEST_CLIENT_TOKENS (token 2 of 2) is too short (18 characters); use a random secret"
                + " of at least 32 characters (e.g. `openssl rand -hex 32`)",
            "TPP_JOB_SERVER_TOKEN is too short (14 characters); use a random secret of at least 32"
                + " characters (e.g. `openssl rand -hex 32`)",
            "EMIS_CLIENT_TOKENS is the well-known default 'token'; use a random secret of at least"
                + " 32 characters (e.g. `openssl rand -hex 32`)",
            "TED_CLIENT_TOKENS is not set: list the RAP API token(s) job-server uses for backend"
                + " ted; use a random secret of at least 32 characters (e.g. `openssl rand -hex"
                + " 32`)",
            "OPS_PAGE_TOKEN is too short (12 characters); use a random secret of at least 32"
                + " characters (e.g. `openssl rand -hex 32`)",
            "CONTROLLER_ALLOWED_HOSTS is not set: list the host names job-server and agents use to"
                + " reach this controller, comma separated (e.g. controller.example.org,localhost;"
                + " .example.org for a whole domain; * for any)"),
        e.problems());
    for (String secret : List.of("short-secret-x", "tiny-client-secret", "ops-secret-9")) {
      assertFalse(e.getMessage().contains(secret), e.getMessage());
    }
  }

  @Test
  void aMissingOrEmptyAgentTokenIsNamed() {
    ConfigException e =
        refused(
            Map.of("BACKENDS", "tpp", "TPP_JOB_SERVER_TOKEN", " ", "TPP_CLIENT_TOKENS", STRONG),
            false);
    assertEquals(1, e.problems().size(), e.getMessage());
    assertTrue(e.problems().get(0).startsWith("TPP_JOB_SERVER_TOKEN is not set"), e.getMessage());
  }

  @Test
  void strongTokensAndHostsPass() {
    Settings s =
        Settings.of(
            Map.of(
                "BACKENDS",
                "tpp",
                "TPP_JOB_SERVER_TOKEN",
                STRONG,
                "TPP_CLIENT_TOKENS",
                STRONG,
                "DJANGO_CONTROLLER_ALLOWED_HOSTS",
                "controller.example.org"));
    ControllerConfig c = ControllerConfig.from(s);
    StartupChecks.controller(s, c, true);
    s.throwIfInvalid();
    assertEquals(List.of("controller.example.org"), c.allowedHosts());
    // sync mode pulls from job-server: no client token is needed
    Settings sync =
        Settings.of(
            Map.of(
                "BACKENDS", "tpp",
                "TPP_JOB_SERVER_TOKEN", STRONG,
                "JOB_SERVER_ENDPOINT", "https://jobs.example.org/api/v2/"));
    StartupChecks.controller(sync, ControllerConfig.from(sync), false);
    sync.throwIfInvalid();
  }

  @Test
  void roleAllGeneratesWhatIsMissingAndTheAgentGetsItsBackendsToken() {
    Settings s = Settings.of(Map.of("BACKENDS", "test,tpp", "TPP_JOB_SERVER_TOKEN", STRONG));
    Map<String, String> made = StartupChecks.generatedTokens(s, "test");
    assertEquals(
        List.of(
            "TEST_JOB_SERVER_TOKEN",
            "TEST_CLIENT_TOKENS",
            "TPP_CLIENT_TOKENS",
            "CONTROLLER_TASK_API_TOKEN"),
        List.copyOf(made.keySet()));
    assertEquals(made.get("TEST_JOB_SERVER_TOKEN"), made.get("CONTROLLER_TASK_API_TOKEN"));
    assertEquals(made.get("TEST_CLIENT_TOKENS"), made.get("TPP_CLIENT_TOKENS"));
    assertTrue(made.get("TEST_JOB_SERVER_TOKEN").length() >= 32);
    assertFalse(made.get("TEST_JOB_SERVER_TOKEN").equals(made.get("TEST_CLIENT_TOKENS")));
    Settings all = s.withDefaults(made, "generated");
    ControllerConfig c = ControllerConfig.from(all);
    StartupChecks.controller(all, c, false);
    all.throwIfInvalid();
    // another run, other tokens
    assertFalse(
        made.get("TEST_JOB_SERVER_TOKEN")
            .equals(StartupChecks.generatedTokens(s, "test").get("TEST_JOB_SERVER_TOKEN")));
    // the agent of an already configured backend gets that backend's token
    assertEquals(STRONG, StartupChecks.generatedTokens(s, "tpp").get("CONTROLLER_TASK_API_TOKEN"));
  }
}

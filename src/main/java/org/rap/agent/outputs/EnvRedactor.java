package org.rap.agent.outputs;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * Redacts environment values in container inspect data (docs/spec/agent-executor.md section 6 step
 * 3): every {@code KEY=value} of {@code Config.Env} becomes {@code KEY=xxxx-REDACTED-xxxx} unless
 * the key is on the safe list.
 */
public final class EnvRedactor {
  public static final String REDACTED = "xxxx-REDACTED-xxxx";
  public static final Set<String> SAFE_KEYS =
      Set.of(
          "PATH",
          "PYTHON_VERSION",
          "DEBIAN_FRONTEND",
          "DEBCONF_NONINTERACTIVE_SEEN",
          "UBUNTU_VERSION",
          "PYENV_SHELL",
          "PYENV_VERSION",
          "PYTHONUNBUFFERED",
          "OPENSAFELY_BACKEND",
          "TZ",
          "TEMP_DATABASE_NAME",
          "PYTHONPATH",
          "container",
          "LANG",
          "LC_ALL",
          "EHRQL_PERMISSIONS");

  private EnvRedactor() {}

  /** Returns a redacted deep copy of the inspect data. */
  public static JsonObject redact(JsonObject inspect) {
    JsonObject copy = inspect.copy();
    JsonObject config = copy.getJsonObject("Config");
    if (config == null || config.getJsonArray("Env") == null) {
      return copy;
    }
    JsonArray out = new JsonArray();
    for (Object o : config.getJsonArray("Env")) {
      String line = String.valueOf(o);
      int eq = line.indexOf('=');
      String key = eq < 0 ? line : line.substring(0, eq);
      out.add(SAFE_KEYS.contains(key) ? line : key + "=" + REDACTED);
    }
    config.put("Env", out);
    return copy;
  }
}

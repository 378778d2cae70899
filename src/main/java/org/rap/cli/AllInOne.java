package org.rap.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.rap.common.config.AgentConfig;
import org.rap.common.config.Settings;
import org.rap.common.config.StartupChecks;

/**
 * What {@code --role=all} and {@code demo} fill in for the controller and agent sharing one JVM:
 * random tokens for this run where none were configured (the agent gets its backend's), and the
 * agent's controller URL from the controller's own port and TLS unless set.
 */
final class AllInOne {
  static final String GENERATED = "generated for this run";
  static final String DERIVED = "derived from CONTROLLER_PORT";

  /**
   * @param settings the loaded settings with the additions
   * @param generated the tokens made up for this run
   * @param derivedEndpoint whether CONTROLLER_TASK_API_ENDPOINT was derived (and follows the
   *     controller's actual port when that is 0)
   */
  record Prepared(Settings settings, Map<String, String> generated, boolean derivedEndpoint) {}

  private AllInOne() {}

  static Prepared prepare(Settings loaded) {
    Map<String, String> generated =
        StartupChecks.generatedTokens(loaded, loaded.string("BACKEND", "test"));
    Settings s = loaded.withDefaults(generated, GENERATED);
    boolean derive = s.get("CONTROLLER_TASK_API_ENDPOINT").isEmpty();
    if (derive) {
      Map<String, String> add = new LinkedHashMap<>();
      int port = 3000;
      try {
        port = Integer.parseInt(s.string("CONTROLLER_PORT", "3000"));
      } catch (NumberFormatException e) {
        // the controller's configuration reports it
      }
      add.put("CONTROLLER_TASK_API_ENDPOINT", endpoint(s, port == 0 ? 1 : port));
      // the in-process agent trusts the certificate its controller serves
      s.get("TLS_CERT_FILE").ifPresent(cert -> add.put("CONTROLLER_CA_FILE", cert));
      s = s.withDefaults(add, DERIVED);
    }
    return new Prepared(s, generated, derive);
  }

  /** The local controller's base URL: https when it serves TLS. */
  static String endpoint(Settings s, int port) {
    String scheme = s.get("TLS_CERT_FILE").isPresent() ? "https" : "http";
    return scheme + "://localhost:" + port + "/";
  }

  /** The agent's configuration once the controller listens on {@code actualPort}. */
  static AgentConfig agentFor(Prepared p, AgentConfig configured, int actualPort) {
    String url = endpoint(p.settings(), actualPort);
    if (!p.derivedEndpoint() || configured.taskApiEndpoint().equals(url)) {
      return configured;
    }
    return AgentConfig.from(
        p.settings().withOverride("CONTROLLER_TASK_API_ENDPOINT", url, DERIVED));
  }

  /**
   * Writes the generated RAP API client token to {@code WORKDIR/client-token} (owner read/write
   * only) so the operator can use it without it ever appearing in a log.
   */
  static Optional<Path> writeClientToken(Path workdir, Map<String, String> generated)
      throws IOException {
    List<String> tokens = StartupChecks.generatedClientTokens(generated);
    if (tokens.isEmpty()) {
      return Optional.empty();
    }
    Files.createDirectories(workdir);
    Path file = workdir.resolve("client-token");
    Files.deleteIfExists(file);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, tokens.get(0) + "\n");
    return Optional.of(file);
  }
}

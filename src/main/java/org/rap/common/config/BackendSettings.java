package org.rap.common.config;

import java.util.List;

/** Controller settings of one backend (docs/spec/configuration.md section 3). */
public record BackendSettings(
    String slug,
    List<String> clientTokens,
    String jobServerToken,
    double maxWorkers,
    double maxDbWorkers,
    double jobCpuCount,
    String jobMemoryLimit) {

  static BackendSettings from(Settings s, String slug) {
    String p = ConfigKeys.backendPrefix(slug);
    int defaultWorkers = slug.equals("test") ? 2 : 10;
    int maxWorkers = s.integer(p + "MAX_WORKERS", defaultWorkers, 0);
    int maxDbWorkers = s.integer(p + "MAX_DB_WORKERS", maxWorkers, 0);
    double defaultCpu = s.decimal("DEFAULT_JOB_CPU_COUNT", 2.0, 0.0);
    String defaultMemory = s.memory("DEFAULT_JOB_MEMORY_LIMIT", "4G");
    return new BackendSettings(
        slug,
        s.list(p + "CLIENT_TOKENS", ""),
        // unset: no agent can authenticate (a controller refuses to start: StartupChecks)
        s.raw(p + "JOB_SERVER_TOKEN").orElse(""),
        maxWorkers,
        maxDbWorkers,
        s.decimal(p + "JOB_CPU_COUNT", defaultCpu, 0.0),
        s.memory(p + "JOB_MEMORY_LIMIT", defaultMemory));
  }
}

package org.rap.common.config;

import java.util.List;
import java.util.Locale;

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
    String p = slug.toUpperCase(Locale.ROOT).replace('-', '_') + "_";
    int defaultWorkers = slug.equals("test") ? 2 : 10;
    int maxWorkers = s.integer(p + "MAX_WORKERS", defaultWorkers, 0);
    int maxDbWorkers = s.integer(p + "MAX_DB_WORKERS", maxWorkers, 0);
    double defaultCpu = s.decimal("DEFAULT_JOB_CPU_COUNT", 2.0, 0.0);
    String defaultMemory = s.memory("DEFAULT_JOB_MEMORY_LIMIT", "4G");
    return new BackendSettings(
        slug,
        s.list(p + "CLIENT_TOKENS", ""),
        s.raw(p + "JOB_SERVER_TOKEN").orElse("token"),
        maxWorkers,
        maxDbWorkers,
        s.decimal(p + "JOB_CPU_COUNT", defaultCpu, 0.0),
        s.memory(p + "JOB_MEMORY_LIMIT", defaultMemory));
  }
}

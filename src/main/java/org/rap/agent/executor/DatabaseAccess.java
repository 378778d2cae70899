package org.rap.agent.executor;

import java.net.InetAddress;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.rap.agent.outputs.EnvRedactor;
import org.rap.agent.outputs.SecretRedactor;
import org.rap.common.model.JobDefinition;

/**
 * What a job with database access gets on a real backend, for every runtime
 * (docs/spec/agent-executor.md sections 5.1 and 5.2): the secrets added in memory at execute time,
 * and the network rule (the database network, a DNS server that answers nothing, the database host
 * as an extra host entry).
 */
public final class DatabaseAccess {
  /** A reserved documentation address: a resolver that forwards to nowhere. */
  public static final String DB_DNS = "192.0.2.0";

  private DatabaseAccess() {}

  /** A database job on a real backend (not {@code USING_DUMMY_DATA_BACKEND}). */
  public static boolean isRealDbJob(JobDefinition job, ExecutorSettings settings) {
    return job.allowDatabaseAccess() && !settings.usingDummyDataBackend();
  }

  /**
   * The secrets of section 5.1 for a database job on a real backend, else none.
   *
   * @throws JobFailure when the job names a database this backend does not define
   */
  public static Map<String, String> secrets(JobDefinition job, ExecutorSettings settings) {
    Map<String, String> secrets = new LinkedHashMap<>();
    if (!isRealDbJob(job, settings)) {
      return secrets;
    }
    String db =
        job.databaseName() == null || job.databaseName().isEmpty() ? "default" : job.databaseName();
    String url = settings.databaseUrls().get(db.toLowerCase(Locale.ROOT));
    if (url == null) {
      throw new JobFailure(
          "Database name '"
              + db
              + "' is not currently defined for backend '"
              + settings.backend()
              + "'");
    }
    secrets.put("DATABASE_URL", url);
    settings.tempDatabaseName().ifPresent(v -> secrets.put("TEMP_DATABASE_NAME", v));
    if (settings.prestoTlsCert().isPresent() && settings.prestoTlsKey().isPresent()) {
      secrets.put("PRESTO_TLS_CERT", settings.prestoTlsCert().get());
      secrets.put("PRESTO_TLS_KEY", settings.prestoTlsKey().get());
    }
    settings.emisOrganisationHash().ifPresent(v -> secrets.put("EMIS_ORGANISATION_HASH", v));
    return secrets;
  }

  /**
   * Masks the values of the secret settings this job's container gets (none for most jobs) in its
   * output and refuses them in its medium-privacy outputs (section 13).
   */
  public static SecretRedactor redactorFor(JobDefinition job, ExecutorSettings settings) {
    try {
      Map<String, String> secrets = secrets(job, settings);
      secrets.keySet().removeAll(EnvRedactor.SAFE_KEYS);
      return secrets.isEmpty() ? SecretRedactor.none() : SecretRedactor.of(secrets.values());
    } catch (JobFailure unknownDatabase) {
      return SecretRedactor.none(); // the container never got any
    }
  }

  /**
   * {@code <host>:<ip>} when the database URL's host is a name (resolved here, so the container
   * needs no DNS), else null (an address, no URL, or a name that does not resolve).
   */
  public static String hostEntry(String databaseUrl) {
    if (databaseUrl == null) {
      return null;
    }
    try {
      String host = URI.create(databaseUrl).getHost();
      if (host == null || host.isEmpty() || host.matches("[0-9.]+") || host.contains(":")) {
        return null;
      }
      return host + ":" + InetAddress.getByName(host).getHostAddress();
    } catch (Exception e) {
      return null;
    }
  }
}

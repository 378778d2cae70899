package org.rap.controller.api;

import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rap.common.config.BackendSettings;
import org.rap.common.config.ControllerConfig;
import org.rap.common.http.AllowedHosts;
import org.rap.common.http.Responses;
import org.rap.common.http.TokenBuckets;
import org.rap.common.http.Tokens;
import org.rap.controller.api.rap.ClientTokens;
import org.rap.controller.api.rap.RapApi;

/**
 * Checks every request to the RAP API and the task API before they see it: its {@code Host} must be
 * one of {@code CONTROLLER_ALLOWED_HOSTS} (else 400, as the reference's web framework answers a
 * disallowed host), and a request carrying a configured token is counted against that token's rate
 * ({@code RAP_API_RATE_LIMIT}, {@code TASK_API_RATE_LIMIT} requests a minute, bursts up to that
 * many; 0: unlimited), answered 429 with {@code Retry-After} beyond it. Requests without a valid
 * token pass on to the APIs' own 401. Errors have the APIs' body {@code {"error", "details"}}.
 * Health, metrics and the ops page are not guarded (probes reach them by address).
 */
public final class ApiGuard {
  private static final Logger LOG = Logger.getLogger(ApiGuard.class.getName());
  private static final int MAX_LOGGED_HOSTS = 100;

  /** The task API's paths: {@code /<backend>/tasks/} and {@code /<backend>/task/update/}. */
  private static final Pattern TASK_API = Pattern.compile("/([^/]+)/(?:tasks|task/update)/");

  private final ControllerConfig config;
  private final ClientTokens clientTokens;
  private final AllowedHosts hosts;
  private final Optional<TokenBuckets> rapLimits;
  private final Optional<TokenBuckets> taskLimits;
  private final Set<String> loggedHosts = ConcurrentHashMap.newKeySet();

  public ApiGuard(ControllerConfig config) {
    this.config = config;
    this.clientTokens = ClientTokens.from(config);
    this.hosts = new AllowedHosts(config.allowedHosts());
    this.rapLimits = limits(config.rapApiRateLimit());
    this.taskLimits = limits(config.taskApiRateLimit());
  }

  private static Optional<TokenBuckets> limits(int perMinute) {
    return perMinute > 0 ? Optional.of(new TokenBuckets(perMinute)) : Optional.empty();
  }

  /**
   * Mounts the checks; call before the APIs mount their routes. One route without a path, so the
   * routes the APIs' requests are counted under in metrics stay theirs alone.
   */
  public void mount(Router router) {
    router.route().handler(this::check);
  }

  private void check(RoutingContext rc) {
    String path = rc.normalizedPath();
    if (path.startsWith(RapApi.BASE + "/")) {
      rapApi(rc);
      return;
    }
    Matcher task = TASK_API.matcher(path);
    if (task.matches()) {
      taskApi(rc, task.group(1));
      return;
    }
    rc.next();
  }

  private void rapApi(RoutingContext rc) {
    if (!hostAllowed(rc)) {
      return;
    }
    Optional<String> token = clientTokens.token(rc.request().getHeader("Authorization"));
    if (token.isPresent()
        && rapLimits.isPresent()
        && !within(rc, rapLimits.get(), "rap:" + token.get(), config.rapApiRateLimit())) {
      return;
    }
    rc.next();
  }

  private void taskApi(RoutingContext rc, String backendSlug) {
    if (!hostAllowed(rc)) {
      return;
    }
    BackendSettings backend = config.backends().get(backendSlug);
    if (backend != null
        && taskLimits.isPresent()
        && Tokens.same(rc.request().getHeader("Authorization"), backend.jobServerToken())
        && !within(rc, taskLimits.get(), "task:" + backend.slug(), config.taskApiRateLimit())) {
      return;
    }
    rc.next();
  }

  private boolean hostAllowed(RoutingContext rc) {
    HostAndPort authority = rc.request().authority();
    String host = authority == null ? null : authority.host();
    if (hosts.allows(host)) {
      return true;
    }
    String shown = host == null ? "" : host;
    if (loggedHosts.size() < MAX_LOGGED_HOSTS && loggedHosts.add(shown)) {
      LOG.warning(
          "Refused a request for host '"
              + shown
              + "' ("
              + rc.request().path()
              + "): not in CONTROLLER_ALLOWED_HOSTS "
              + hosts.patterns()
              + "; further requests for it are refused without a log line");
    }
    Responses.error(
        rc,
        400,
        "Bad request",
        host == null ? "No Host header" : "Invalid Host header '" + shown + "'");
    return false;
  }

  private static boolean within(RoutingContext rc, TokenBuckets buckets, String key, int perMin) {
    Duration wait = buckets.take(key);
    if (wait.isZero()) {
      return true;
    }
    long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
    rc.response().putHeader("Retry-After", Long.toString(seconds));
    Responses.error(
        rc,
        429,
        "Too many requests",
        "This token is limited to " + perMin + " requests a minute; retry after " + seconds + " s");
    return false;
  }
}

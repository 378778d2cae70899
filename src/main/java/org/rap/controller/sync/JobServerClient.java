package org.rap.controller.sync;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.rap.common.http.TlsProtocols;

/**
 * job-server's API v2 as the legacy sync loop used it (docs/spec/job-server-sync.md sections 4 and
 * 5): paginated {@code GET job-requests/} and {@code POST jobs/}, with the backend's raw token.
 */
final class JobServerClient {
  /** Guards against a {@code next} link that never ends. */
  static final int MAX_PAGES = 1000;

  static final long REQUEST_TIMEOUT_MS = 30_000;

  private final WebClient client;
  private final String endpoint;

  JobServerClient(Vertx vertx, String endpoint) {
    this(vertx, endpoint, Optional.empty());
  }

  /**
   * @param caFile PEM CA certificates that alone are trusted for job-server ({@code
   *     JOB_SERVER_CA_FILE}); empty: the JVM's trusted CAs. The host name is always checked.
   */
  JobServerClient(Vertx vertx, String endpoint, Optional<Path> caFile) {
    this.client =
        WebClient.create(
            vertx,
            TlsProtocols.verifying(
                new WebClientOptions()
                    .setConnectTimeout(10_000)
                    .setIdleTimeout(60)
                    .setUserAgent("rap-controller-sync")
                    .setFollowRedirects(false),
                caFile));
    this.endpoint = endpoint.endsWith("/") ? endpoint : endpoint + "/";
  }

  /** Every active job request of the token's backend, following {@code next} until null. */
  Future<List<JsonObject>> jobRequests(String token) {
    List<JsonObject> all = new ArrayList<>();
    return page(endpoint + "job-requests/", token, all, 0);
  }

  private Future<List<JsonObject>> page(String url, String token, List<JsonObject> all, int pages) {
    if (pages >= MAX_PAGES) {
      return Future.failedFuture(
          new JobServerException("job-requests pagination exceeded " + MAX_PAGES + " pages"));
    }
    return client
        .requestAbs(HttpMethod.GET, url)
        .putHeader("Authorization", token)
        .putHeader("Accept", "application/json")
        .timeout(REQUEST_TIMEOUT_MS)
        .send()
        .compose(
            resp -> {
              JsonObject body = expectJson(resp, "GET " + url);
              JsonArray results = body.getJsonArray("results");
              if (results == null) {
                throw new JobServerException("GET " + url + ": response has no 'results' list");
              }
              for (Object o : results) {
                if (o instanceof JsonObject jo) {
                  all.add(jo);
                }
              }
              Object next = body.getValue("next");
              if (next instanceof String n && !n.isBlank()) {
                return page(n, token, all, pages + 1);
              }
              return Future.succeededFuture(all);
            });
  }

  /** Posts job objects; job-server answers 200 {"status": "success"}. */
  Future<Void> postJobs(String token, JsonArray jobs) {
    String url = endpoint + "jobs/";
    return client
        .requestAbs(HttpMethod.POST, url)
        .putHeader("Authorization", token)
        .putHeader("Content-Type", "application/json")
        .timeout(REQUEST_TIMEOUT_MS)
        .sendBuffer(jobs.toBuffer())
        .map(
            resp -> {
              if (resp.statusCode() != 200) {
                throw new JobServerException(
                    "POST " + url + " answered " + resp.statusCode() + ": " + snippet(resp));
              }
              return null;
            });
  }

  private static JsonObject expectJson(HttpResponse<Buffer> resp, String what) {
    if (resp.statusCode() != 200) {
      throw new JobServerException(what + " answered " + resp.statusCode() + ": " + snippet(resp));
    }
    try {
      return resp.bodyAsJsonObject();
    } catch (RuntimeException e) {
      throw new JobServerException(
          what + " answered with a body that is not a JSON object: " + snippet(resp));
    }
  }

  private static String snippet(HttpResponse<Buffer> resp) {
    String s = resp.bodyAsString();
    if (s == null) {
      return "(no body)";
    }
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  void close() {
    client.close();
  }

  /** job-server answered, but not as expected. */
  static final class JobServerException extends RuntimeException {
    JobServerException(String message) {
      super(message);
    }
  }
}

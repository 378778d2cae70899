package org.rap.testing.k8s;

import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mock API server's dispatcher: the APIs a kubelet serves (a pod's log, the metrics API's
 * PodMetrics) are answered by the test kubelet; every other request goes to fabric8's CRUD
 * dispatcher, which does not serve them.
 */
final class KubeletDispatcher extends Dispatcher {
  private static final Pattern LOG = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)/log");
  private static final Pattern METRICS =
      Pattern.compile("/apis/metrics\\.k8s\\.io/v1beta1/namespaces/([^/]+)/pods(?:/([^/]+))?");

  /** What the kubelet serves. */
  interface PodApis {
    /** {@code GET .../pods/<name>/log} with its query parameters. */
    MockResponse log(String namespace, String pod, Map<String, String> query);

    /** {@code GET .../pods/<name>} of the metrics API, or the namespace's list when pod is null. */
    MockResponse metrics(String namespace, String pod);
  }

  private final Dispatcher crud;
  private volatile PodApis pods;

  KubeletDispatcher(Dispatcher crud) {
    this.crud = crud;
  }

  void serve(PodApis apis) {
    this.pods = apis;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String target = request.getPath();
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    Map<String, String> query = query(q < 0 ? "" : target.substring(q + 1));
    PodApis apis = pods;
    if ("GET".equals(request.getMethod()) && apis != null) {
      Matcher log = LOG.matcher(path);
      if (log.matches()) {
        return apis.log(log.group(1), log.group(2), query);
      }
      Matcher metrics = METRICS.matcher(path);
      if (metrics.matches()) {
        return apis.metrics(metrics.group(1), metrics.group(2));
      }
    }
    return crud.dispatch(request);
  }

  @Override
  public void shutdown() {
    crud.shutdown();
  }

  @Override
  public void releaseResources() {
    crud.releaseResources();
  }

  static Map<String, String> query(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : text.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(
          URLDecoder.decode(key, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return out;
  }

  /** A Kubernetes {@code Status} error, as the API server answers one. */
  static MockResponse status(int code, String reason, String message) {
    JsonObject body =
        new JsonObject()
            .put("kind", "Status")
            .put("apiVersion", "v1")
            .put("metadata", new JsonObject())
            .put("status", "Failure")
            .put("message", message)
            .put("reason", reason)
            .put("code", code);
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setBody(body.encode());
  }
}

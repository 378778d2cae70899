package org.rap.testing.k8s;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.LogContainerCmd;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Statistics;
import io.fabric8.mockwebserver.http.MockResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.rap.agent.executor.docker.DockerApi;

/**
 * The APIs a kubelet serves through the API server, from the test kubelet's Docker containers:
 *
 * <ul>
 *   <li>{@code GET /api/v1/namespaces/<ns>/pods/<pod>/log} with {@code timestamps}, {@code
 *       tailLines}, {@code sinceSeconds}, {@code limitBytes} and {@code container}: standard output
 *       and error together, as plain text. {@code follow=true} returns the log so far and ends (the
 *       mock server cannot stream a response); a container that has not started gives 400 {@code
 *       container "<c>" in pod "<pod>" is waiting to start: <reason>}, an unknown pod 404;
 *   <li>{@code GET /apis/metrics.k8s.io/v1beta1/namespaces/<ns>/pods[/<pod>]}: {@code PodMetrics}
 *       of running pods from {@code docker stats} (CPU in nanocores, memory as the working set).
 * </ul>
 */
final class KubeletApis implements KubeletDispatcher.PodApis {
  private final DockerApi docker;
  private final Map<String, TestKubelet.PodRecord> pods;

  KubeletApis(DockerApi docker, Map<String, TestKubelet.PodRecord> pods) {
    this.docker = docker;
    this.pods = pods;
  }

  @Override
  public MockResponse log(String namespace, String pod, Map<String, String> query) {
    TestKubelet.PodRecord rec = pods.get(namespace + "/" + pod);
    if (rec == null) {
      return KubeletDispatcher.status(404, "NotFound", "pods \"" + pod + "\" not found");
    }
    String container = query.get("container");
    if (container != null && !container.equals("job") && !container.isEmpty()) {
      // the test kubelet runs the first container of a pod only
      return KubeletDispatcher.status(
          400, "BadRequest", "container " + container + " is not valid for pod " + pod);
    }
    String id = rec.containerId;
    if (id == null) {
      return KubeletDispatcher.status(
          400,
          "BadRequest",
          "container \"job\" in pod \"" + pod + "\" is waiting to start: " + rec.waiting);
    }
    LogContainerCmd cmd =
        docker
            .client()
            .logContainerCmd(id)
            .withStdOut(true)
            .withStdErr(true)
            .withTimestamps(Boolean.parseBoolean(query.getOrDefault("timestamps", "false")))
            .withFollowStream(false);
    try {
      if (query.containsKey("tailLines")) {
        cmd.withTail(Integer.parseInt(query.get("tailLines")));
      }
      if (query.containsKey("sinceSeconds")) {
        long since = System.currentTimeMillis() / 1000 - Long.parseLong(query.get("sinceSeconds"));
        cmd.withSince((int) since);
      }
    } catch (NumberFormatException e) {
      return KubeletDispatcher.status(400, "BadRequest", "invalid query: " + e.getMessage());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ResultCallback.Adapter<Frame> cb =
        cmd.exec(
            new ResultCallback.Adapter<>() {
              @Override
              public void onNext(Frame frame) {
                synchronized (out) {
                  out.writeBytes(frame.getPayload());
                }
              }
            })) {
      if (!cb.awaitCompletion(30, TimeUnit.SECONDS)) {
        return KubeletDispatcher.status(500, "InternalError", "timed out reading the log");
      }
    } catch (NotFoundException e) {
      return KubeletDispatcher.status(404, "NotFound", "pods \"" + pod + "\" not found");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return KubeletDispatcher.status(500, "InternalError", "interrupted");
    } catch (IOException e) {
      return KubeletDispatcher.status(500, "InternalError", e.toString());
    }
    byte[] body;
    synchronized (out) {
      body = out.toByteArray();
    }
    if (query.containsKey("limitBytes")) {
      body =
          Arrays.copyOf(body, (int) Math.min(body.length, Long.parseLong(query.get("limitBytes"))));
    }
    return new MockResponse()
        .setResponseCode(200)
        .setHeader("Content-Type", "text/plain")
        .setBody(body);
  }

  @Override
  public MockResponse metrics(String namespace, String pod) {
    if (pod != null) {
      TestKubelet.PodRecord rec = pods.get(namespace + "/" + pod);
      if (rec == null || !rec.running) {
        return KubeletDispatcher.status(
            404,
            "NotFound",
            "podmetrics.metrics.k8s.io \"" + namespace + "/" + pod + "\" not found");
      }
      return json(podMetrics(namespace, rec));
    }
    JsonArray items = new JsonArray();
    pods.forEach(
        (key, rec) -> {
          if (key.startsWith(namespace + "/") && rec.running) {
            items.add(podMetrics(namespace, rec));
          }
        });
    return json(
        new JsonObject()
            .put("kind", "PodMetricsList")
            .put("apiVersion", "metrics.k8s.io/v1beta1")
            .put("metadata", new JsonObject())
            .put("items", items));
  }

  private JsonObject podMetrics(String namespace, TestKubelet.PodRecord rec) {
    Statistics stats = stats(rec.containerId);
    JsonObject usage = new JsonObject().put("cpu", "0").put("memory", "0");
    if (stats != null) {
      usage.put("cpu", nanoCores(stats) + "n").put("memory", workingSet(stats) / 1024 + "Ki");
    }
    return new JsonObject()
        .put("kind", "PodMetrics")
        .put("apiVersion", "metrics.k8s.io/v1beta1")
        .put("metadata", new JsonObject().put("name", rec.name).put("namespace", namespace))
        .put("timestamp", PodStatuses.now())
        .put("window", "1s")
        .put(
            "containers",
            new JsonArray().add(new JsonObject().put("name", "job").put("usage", usage)));
  }

  private Statistics stats(String id) {
    CompletableFuture<Statistics> first = new CompletableFuture<>();
    try (ResultCallback.Adapter<Statistics> cb =
        docker
            .client()
            .statsCmd(id)
            .withNoStream(true)
            .exec(
                new ResultCallback.Adapter<>() {
                  @Override
                  public void onNext(Statistics s) {
                    first.complete(s);
                  }
                })) {
      return first.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      return null;
    }
  }

  /** CPU use between Docker's two samples, in nanocores. */
  static long nanoCores(Statistics s) {
    if (s.getCpuStats() == null || s.getPreCpuStats() == null) {
      return 0;
    }
    Long total = s.getCpuStats().getCpuUsage().getTotalUsage();
    Long preTotal =
        s.getPreCpuStats().getCpuUsage() == null
            ? null
            : s.getPreCpuStats().getCpuUsage().getTotalUsage();
    Long system = s.getCpuStats().getSystemCpuUsage();
    Long preSystem = s.getPreCpuStats().getSystemCpuUsage();
    Long cpus = s.getCpuStats().getOnlineCpus();
    if (total == null
        || preTotal == null
        || system == null
        || preSystem == null
        || system <= preSystem) {
      return 0;
    }
    double share = (double) (total - preTotal) / (system - preSystem);
    return Math.round(share * (cpus == null ? 1 : cpus) * 1e9);
  }

  /** Memory in use less inactive file cache (the working set the metrics API reports). */
  static long workingSet(Statistics s) {
    if (s.getMemoryStats() == null || s.getMemoryStats().getUsage() == null) {
      return 0;
    }
    long usage = s.getMemoryStats().getUsage();
    Map<String, Long> detail = s.getMemoryStats().getStats() == null ? Map.of() : statsMap(s);
    long inactive =
        detail.getOrDefault("inactive_file", detail.getOrDefault("total_inactive_file", 0L));
    return Math.max(0, usage - inactive);
  }

  private static Map<String, Long> statsMap(Statistics s) {
    var st = s.getMemoryStats().getStats();
    Long inactive = st.getInactiveFile();
    Long totalInactive = st.getTotalInactiveFile();
    return Map.of(
        "inactive_file", inactive == null ? 0L : inactive,
        "total_inactive_file", totalInactive == null ? 0L : totalInactive);
  }

  private static MockResponse json(JsonObject body) {
    return new MockResponse()
        .setResponseCode(200)
        .setHeader("Content-Type", "application/json")
        .setBody(body.encode().getBytes(StandardCharsets.UTF_8));
  }
}

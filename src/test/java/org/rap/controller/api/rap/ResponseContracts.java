package org.rap.controller.api.rap;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.rap.controller.api.ApiDocuments;
import org.rap.testing.TestResources;

/**
 * Validates RAP API responses against our {@code openapi/rap-api.yaml} and against the reference's
 * upstream document ({@code src/test/resources/contracts}, loaded with patches that vertx-openapi
 * needs: an absolute server URL, operationIds, and {@code nullable} converted to its OpenAPI 3.1
 * forms, which vertx-openapi would otherwise ignore).
 */
public final class ResponseContracts {
  /** Documented status codes per operation (docs/spec/rap-api.md section 9). */
  public static final Map<String, List<Integer>> DOCUMENTED =
      Map.of(
          "backendStatus", List.of(200, 401),
          "createRap", List.of(200, 201, 400, 401),
          "cancelRap", List.of(200, 400, 401, 404),
          "rapStatus", List.of(200, 400, 401));

  private final OpenAPIContract ours;
  private final OpenAPIContract upstream;
  private final ResponseValidator oursValidator;
  private final ResponseValidator upstreamValidator;

  private ResponseContracts(Vertx vertx, OpenAPIContract ours, OpenAPIContract upstream) {
    this.ours = ours;
    this.upstream = upstream;
    this.oursValidator = ResponseValidator.create(vertx, ours);
    this.upstreamValidator = ResponseValidator.create(vertx, upstream);
  }

  public static ResponseContracts load(Vertx vertx) throws Exception {
    OpenAPIContract ours = RapContract.load(vertx).await().contract();
    Path file = TestResources.path("contracts/upstream-rap-api-openapi.yaml");
    JsonObject doc = ApiDocuments.parseYaml(Files.readString(file));
    OpenAPIContract upstream = OpenAPIContract.from(vertx, patchUpstream(doc)).await();
    return new ResponseContracts(vertx, ours, upstream);
  }

  /** The operation id of a path below {@code /controller/v1}, or null when not an API path. */
  public static String operationId(String method, String path) {
    String p =
        path.replaceFirst("[?].*$", "")
            .replaceAll("//+", "/")
            .replaceFirst("^/controller/v1", "")
            .replaceAll("/+$", "");
    return switch (method + " " + p) {
      case "GET /backend/status" -> "backendStatus";
      case "POST /rap/create" -> "createRap";
      case "POST /rap/cancel" -> "cancelRap";
      case "POST /rap/status" -> "rapStatus";
      default -> null;
    };
  }

  /**
   * Checks one response: a documented status code with a JSON body valid in both documents.
   *
   * @return the problems found (empty when valid)
   */
  public List<String> check(String operationId, int status, Buffer body) {
    List<String> problems = new ArrayList<>();
    if (!DOCUMENTED.get(operationId).contains(status)) {
      problems.add(operationId + ": undocumented status " + status + " body " + body);
      return problems;
    }
    validate("ours", oursValidator, ours, operationId, status, body, problems);
    validate("upstream", upstreamValidator, upstream, operationId, status, body, problems);
    if (status >= 400) {
      JsonObject o = new JsonObject(body);
      if (!(o.getValue("error") instanceof String) || !(o.getValue("details") instanceof String)) {
        problems.add(operationId + ": error body without string error/details: " + body);
      }
    }
    return problems;
  }

  private static void validate(
      String which,
      ResponseValidator v,
      OpenAPIContract c,
      String operationId,
      int status,
      Buffer body,
      List<String> problems) {
    Operation op = c.operation(operationId);
    if (op == null) {
      problems.add(which + ": no operation " + operationId);
      return;
    }
    try {
      v.validate(
              ValidatableResponse.create(
                  status, Map.of("Content-Type", "application/json"), body, "application/json"),
              operationId)
          .await();
    } catch (Exception e) {
      problems.add(
          which
              + " contract rejects "
              + operationId
              + " "
              + status
              + " "
              + body
              + ": "
              + e.getMessage());
    }
  }

  /**
   * vertx-openapi rejects a relative server URL and keys operations by operationId (the upstream
   * document has none), and in 3.1 {@code nullable} is an unknown keyword: absolute server URL,
   * operation ids, nullable → 3.1 forms.
   */
  public static JsonObject patchUpstream(JsonObject doc) {
    doc.put(
        "servers",
        new JsonArray().add(new JsonObject().put("url", "http://localhost/controller/v1/")));
    JsonObject paths = doc.getJsonObject("paths");
    paths
        .getJsonObject("/backend/status/")
        .getJsonObject("get")
        .put("operationId", "backendStatus");
    paths.getJsonObject("/rap/create/").getJsonObject("post").put("operationId", "createRap");
    paths.getJsonObject("/rap/cancel/").getJsonObject("post").put("operationId", "cancelRap");
    paths.getJsonObject("/rap/status/").getJsonObject("post").put("operationId", "rapStatus");
    return (JsonObject) convertNullable(doc);
  }

  private static Object convertNullable(Object node) {
    if (node instanceof JsonArray a) {
      JsonArray out = new JsonArray();
      a.forEach(x -> out.add(convertNullable(x)));
      return out;
    }
    if (!(node instanceof JsonObject o)) {
      return node;
    }
    JsonObject out = new JsonObject();
    o.forEach(e -> out.put(e.getKey(), convertNullable(e.getValue())));
    if (Boolean.TRUE.equals(out.remove("nullable"))) {
      if (out.containsKey("$ref")) {
        String ref = (String) out.remove("$ref");
        out.put(
            "anyOf",
            new JsonArray()
                .add(new JsonObject().put("$ref", ref))
                .add(new JsonObject().put("type", "null")));
      } else if (out.getValue("type") instanceof String t) {
        out.put("type", new JsonArray().add(t).add("null"));
        if (out.getJsonArray("enum") != null) {
          out.getJsonArray("enum").addNull();
        }
      }
    }
    return out;
  }
}

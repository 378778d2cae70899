package org.rap.controller.api.tasks;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.json.schema.common.dsl.SchemaType;
import io.vertx.openapi.contract.Location;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rap.common.tasks.TaskProtocol;
import org.rap.common.tasks.TaskUpdate;
import org.rap.common.tasks.UpdateForm;
import org.rap.controller.api.ApiDocuments;

/**
 * Our task API contract ({@code openapi/task-api.yaml}) as the controller serves it and checks
 * requests against it: the routes come from the document, the query parameters of a task list are
 * checked against their schemas (loaded by vertx-openapi), and an update against the {@code
 * TaskUpdate} schema.
 *
 * <p>vertx-openapi cannot take the update's form: it rejects a contract whose request body is
 * {@code application/x-www-form-urlencoded} (not among its supported media types), and it could not
 * look into a form field that holds JSON text anyway. So the contract given to vertx-openapi
 * declares the update's JSON body only, and the update, once its form field or JSON body is decoded
 * ({@link UpdateForm}), is validated here with vertx-json-schema against the document's {@code
 * TaskUpdate} schema. Both checks run on the event loop: they are cheap, and a hop to a worker
 * thread for every poll would slow the agents' list down.
 */
final class TaskContract {
  static final String RESOURCE = "openapi/task-api.yaml";

  /** Only used to satisfy vertx-openapi; routing uses the path below the host. */
  private static final String ABSOLUTE_SERVER = "http://localhost/";

  private static final String FORM = "application/x-www-form-urlencoded";
  private static final Pattern REQUIRED = Pattern.compile("required property \"([^\"]+)\"");

  /** What the 400 says when the update's field {@code name} fails its schema. */
  private static final Map<String, String> FIELD_ERRORS =
      Map.of(
          "task_id", "'task_id' is required and must be a non-empty string",
          "stage", "'stage' is required and must be a string",
          "complete", "'complete' is required and must be true or false",
          "results", "'results' must be an object or null",
          "timestamp_ns", "'timestamp_ns' must be an integer number of nanoseconds or null");

  /** What the 400 says when a query parameter fails its schema. */
  private static final Map<String, String> QUERY_ERRORS =
      Map.of(TaskProtocol.WAIT, "wait must be a number of seconds");

  /** Where an operation is served: its method and its path as the router takes it. */
  record Route(HttpMethod method, String path) {}

  private final OpenAPIContract contract;
  private final Map<String, Route> routes = new LinkedHashMap<>();
  private final Validator update;

  /**
   * Per operation, its query parameters: their schemas' validators, and whether they are numbers.
   */
  private final Map<String, Map<String, Validator>> queries = new LinkedHashMap<>();

  private final Map<String, Boolean> numeric = new LinkedHashMap<>();

  private TaskContract(JsonObject document, OpenAPIContract contract) {
    this.contract = contract;
    JsonObject schema =
        document.getJsonObject("components").getJsonObject("schemas").getJsonObject("TaskUpdate");
    this.update =
        SchemaRepository.create(
                new JsonSchemaOptions()
                    .setDraft(Draft.DRAFT202012)
                    .setBaseUri("https://rap.invalid/task-api/")
                    .setOutputFormat(OutputFormat.Basic))
            .validator(JsonSchema.of(schema));
    // the paths exactly as the document writes them (with their trailing slash), {x} as :x
    for (Map.Entry<String, Object> path : document.getJsonObject("paths")) {
      for (Map.Entry<String, Object> op : (JsonObject) path.getValue()) {
        routes.put(
            ((JsonObject) op.getValue()).getString("operationId"),
            new Route(
                HttpMethod.valueOf(op.getKey().toUpperCase(Locale.ROOT)),
                path.getKey().replaceAll("\\{([^}/]+)}", ":$1")));
      }
    }
    for (Operation op : contract.operations()) {
      Map<String, Validator> params = new LinkedHashMap<>();
      for (Parameter p : op.getParameters()) {
        if (p.getIn() == Location.QUERY) {
          params.put(p.getName(), contract.getSchemaRepository().validator(p.getSchema()));
          numeric.put(p.getName(), p.getSchemaType() == SchemaType.NUMBER);
        }
      }
      queries.put(op.getOperationId(), params);
    }
  }

  static Future<TaskContract> load(Vertx vertx) {
    return ApiDocuments.load(vertx, RESOURCE)
        .compose(
            doc ->
                OpenAPIContract.from(vertx, forVertxOpenApi(doc))
                    .map(c -> new TaskContract(doc, c)));
  }

  /** The document with an absolute server and without the form media type (see above). */
  private static JsonObject forVertxOpenApi(JsonObject document) {
    JsonObject patched = ApiDocuments.withServer(document, ABSOLUTE_SERVER);
    for (Map.Entry<String, Object> path : patched.getJsonObject("paths")) {
      for (Map.Entry<String, Object> op : (JsonObject) path.getValue()) {
        JsonObject body = ((JsonObject) op.getValue()).getJsonObject("requestBody");
        if (body != null) {
          body.getJsonObject("content").remove(FORM);
        }
      }
    }
    return patched;
  }

  OpenAPIContract contract() {
    return contract;
  }

  /** The route of an operation of the document. */
  Route route(String operationId) {
    Route r = routes.get(operationId);
    if (r == null) {
      throw new IllegalStateException(RESOURCE + " has no operation " + operationId);
    }
    return r;
  }

  /**
   * Checks the query parameters of an operation against their schemas.
   *
   * @return what is wrong, or null
   */
  String checkQuery(String operationId, MultiMap params) {
    for (Map.Entry<String, Validator> p : queries.getOrDefault(operationId, Map.of()).entrySet()) {
      String raw = params.get(p.getKey());
      if (raw == null) {
        continue;
      }
      Object value = raw;
      if (numeric.getOrDefault(p.getKey(), false)) {
        if (raw.isBlank()) {
          continue; // as if absent
        }
        try {
          value = Double.parseDouble(raw.strip());
        } catch (NumberFormatException e) {
          value = raw; // the schema rejects it
        }
      }
      if (!Boolean.TRUE.equals(p.getValue().validate(value).getValid())) {
        return QUERY_ERRORS.getOrDefault(p.getKey(), p.getKey() + " is not valid")
            + ", got '"
            + raw
            + "'";
      }
    }
    return null;
  }

  /** The update a decoded payload holds, if it passes the {@code TaskUpdate} schema. */
  TaskUpdate update(Object payload) throws UpdateForm.Malformed {
    if (!(payload instanceof JsonObject object)) {
      throw new UpdateForm.Malformed("'" + UpdateForm.FIELD + "' must be a JSON object");
    }
    OutputUnit result = update.validate(object);
    if (!Boolean.TRUE.equals(result.getValid())) {
      throw new UpdateForm.Malformed(details(result));
    }
    return TaskUpdate.fromPayload(object);
  }

  /** The message of the first field the schema rejected. */
  private static String details(OutputUnit result) {
    List<OutputUnit> errors = result.getErrors() == null ? List.of() : result.getErrors();
    for (OutputUnit e : errors) {
      String field = null;
      String at = e.getInstanceLocation() == null ? "" : e.getInstanceLocation();
      if (at.startsWith("#/") && at.length() > 2) {
        field = at.substring(2).split("/", 2)[0];
      } else if (e.getError() != null) {
        Matcher m = REQUIRED.matcher(e.getError());
        if (m.find()) {
          field = m.group(1);
        }
      }
      if (field != null && FIELD_ERRORS.containsKey(field)) {
        return FIELD_ERRORS.get(field);
      }
    }
    return "The update does not match the task API's TaskUpdate schema: " + errors;
  }
}

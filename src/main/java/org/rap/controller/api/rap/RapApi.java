package org.rap.controller.api.rap;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.handler.PlatformHandler;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.RequestBody;
import io.vertx.openapi.validation.ValidatorException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.rap.common.config.ControllerLimits;
import org.rap.common.http.RequestBodies;
import org.rap.controller.api.OutageReplies;

/**
 * The RAP API for job-server (docs/spec/rap-api.md) under {@code /controller/v1/}: routes built
 * from our OpenAPI document by vertx-web-openapi-router's RouterBuilder, request bodies validated
 * against the same document's schemas (vertx-openapi's schema repository), the document itself at
 * {@code spec.json} and Swagger UI over it at {@code docs/}.
 *
 * <p>Order of checks (docs/spec/rap-api.md section 3): method (405), token (401), body size (413,
 * {@code RAP_API_MAX_BODY_BYTES}), body parsing and schema validation (400), then the operation;
 * while the database is not answering the operation answers 503 with {@code Retry-After}.
 */
public final class RapApi {
  public static final String BASE = "/controller/v1";
  static final String BACKENDS_KEY = "rap.tokenBackends";
  private static final Logger LOG = Logger.getLogger(RapApi.class.getName());

  private final RapService service;
  private final ControllerLimits limits;
  private final OutageReplies outages;
  private final ClientTokens tokens;
  private final RapContract contract;
  private final ValidationMessages messages;

  /** Relative path without trailing slash → its one documented method and operation id. */
  private final Map<String, Map.Entry<HttpMethod, String>> operations = new HashMap<>();

  private RapApi(RapService service, RapContract contract) {
    this.service = service;
    this.limits = service.context().config().limits();
    this.outages = new OutageReplies("The RAP API", limits);
    this.tokens = ClientTokens.from(service.context().config());
    this.contract = contract;
    this.messages = new ValidationMessages(contract.document());
  }

  /** Loads the contract and mounts the API on {@code router}; completes once mounted. */
  public static Future<Void> mount(Vertx vertx, Router router, RapService service) {
    return RapContract.load(vertx)
        .map(
            c -> {
              new RapApi(service, c).mountOn(vertx, router);
              return null;
            });
  }

  private void mountOn(Vertx vertx, Router root) {
    String specJson = contract.document().encodePrettily();
    root.get(BASE + "/spec.json")
        .handler(rc -> rc.response().putHeader("Content-Type", "application/json").end(specJson));
    root.route(BASE + "/docs/*")
        .subRouter(
            ApiDocsPage.router(
                vertx,
                rc ->
                    send(
                        rc,
                        ApiReply.error(
                            404, "Not found", "No such endpoint: " + rc.request().path()))));

    RouterBuilder rb =
        RouterBuilder.create(vertx, contract.contract(), RequestExtractor.withBodyHandler());
    for (OpenAPIRoute route : rb.getRoutes()) {
      String path = relative(route.getOperation().getOpenAPIPath());
      operations.put(
          path,
          Map.entry(route.getOperation().getHttpMethod(), route.getOperation().getOperationId()));
    }
    // a platform handler may precede the body handler: method and token are checked first
    rb.rootHandler((PlatformHandler) this::gate);
    rb.rootHandler(BodyHandler.create(false).setBodyLimit(limits.rapApiMaxBodyBytes()));
    bind(rb, "backendStatus", (backends, body) -> service.backendStatus(backends));
    bind(rb, "createRap", service::create);
    bind(
        rb,
        "cancelRap",
        (backends, body) ->
            service.cancel(
                backends, body.getString("rap_id"), strings(body.getJsonArray("actions"))));
    bind(
        rb,
        "rapStatus",
        RapApi::plainStatusBody,
        (backends, body) -> service.status(backends, strings(body.getJsonArray("rap_ids"))));
    Router api = rb.createRouter();
    api.route()
        .last()
        .handler(
            rc ->
                send(
                    rc,
                    ApiReply.error(404, "Not found", "No such endpoint: " + rc.request().path())));
    root.route(BASE + "/*").subRouter(api);
  }

  /**
   * Binds an operation. The body is validated on the event loop against the operation's request
   * body schema from the contract (the validator vertx-openapi's RequestValidator would build,
   * created once here): RequestValidator hops to a worker thread for every request, which cost
   * about a third of the API's throughput in RapApiBench.
   */
  private void bind(
      RouterBuilder rb,
      String operationId,
      BiFunction<List<String>, JsonObject, Future<ApiReply>> op) {
    bind(rb, operationId, body -> false, op);
  }

  /**
   * @param knownValid a cheap check that accepts only bodies the contract's schema accepts (never
   *     more); a body it passes skips the schema validator, every other body is validated in full
   */
  private void bind(
      RouterBuilder rb,
      String operationId,
      Predicate<Object> knownValid,
      BiFunction<List<String>, JsonObject, Future<ApiReply>> op) {
    JsonObject bodySchema = bodySchema(operationId);
    OpenAPIRoute route = rb.getRoute(operationId);
    route.setDoSecurity(false);
    route.setDoValidation(false);
    Validator validator = bodyValidator(route.getOperation());
    route.addHandler(
        rc -> {
          List<String> backends = rc.get(BACKENDS_KEY);
          JsonObject body = new JsonObject();
          if (validator != null) {
            Buffer raw = rc.body() == null ? null : rc.body().buffer();
            Object parsed;
            try {
              parsed = raw == null || raw.length() == 0 ? NO_BODY : Json.decodeValue(raw);
            } catch (RuntimeException e) {
              parsed = NO_BODY;
            }
            if (parsed == NO_BODY) {
              send(rc, ApiReply.error(400, "Validation error", ValidationMessages.UNPARSEABLE));
              return;
            }
            if (!knownValid.test(parsed)) {
              OutputUnit result = validator.validate(parsed);
              if (!Boolean.TRUE.equals(result.getValid())) {
                send(
                    rc,
                    ApiReply.error(
                        400, "Validation error", messages.details(result, bodySchema, parsed)));
                return;
              }
            }
            body = (JsonObject) parsed;
          }
          Future<ApiReply> reply;
          try {
            reply = op.apply(backends, body);
          } catch (RuntimeException e) {
            reply = Future.failedFuture(e);
          }
          reply.onComplete(
              ar -> {
                if (ar.succeeded()) {
                  send(rc, ar.result());
                } else if (!outages.answered(rc, ar.cause())) {
                  LOG.log(Level.SEVERE, "RAP API " + operationId + " failed", ar.cause());
                  send(
                      rc,
                      ApiReply.error(
                          500,
                          "Internal error",
                          "The controller could not answer; please try again later"));
                }
              });
        });
    route.addFailureHandler(rc -> failed(rc, operationId, bodySchema));
  }

  private static final Object NO_BODY = new Object();

  /**
   * The status body job-server sends, {@code {"rap_ids": [...]}} with every id matching the
   * contract's {@code rapId} pattern {@code ^[a-z0-9]{16}$}: a subset of what {@code
   * statusRequestBody} accepts, checked without the generic validator (which costs several
   * milliseconds for a thousand ids). Anything else goes through the validator.
   */
  static boolean plainStatusBody(Object body) {
    if (!(body instanceof JsonObject o) || !(o.getValue("rap_ids") instanceof JsonArray ids)) {
      return false;
    }
    for (int i = 0; i < ids.size(); i++) {
      if (!(ids.getValue(i) instanceof String id) || !isRapId(id)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isRapId(String id) {
    if (id.length() != 16) {
      return false;
    }
    for (int i = 0; i < 16; i++) {
      char c = id.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
        return false;
      }
    }
    return true;
  }

  private Validator bodyValidator(Operation operation) {
    RequestBody rb = operation.getRequestBody();
    if (rb == null) {
      return null;
    }
    MediaType media = rb.getContent().get("application/json");
    return contract.contract().getSchemaRepository().validator(media.getSchema());
  }

  private void failed(RoutingContext rc, String operationId, JsonObject bodySchema) {
    Throwable f = rc.failure();
    Throwable cause = f instanceof HttpException && f.getCause() != null ? f.getCause() : f;
    if (cause instanceof ValidatorException) {
      Object body = parsedBody(rc);
      String details =
          body == null ? ValidationMessages.UNPARSEABLE : messages.details(cause, bodySchema, body);
      send(rc, ApiReply.error(400, "Validation error", details));
      return;
    }
    int status = rc.statusCode();
    if (f instanceof HttpException he) {
      status = he.getStatusCode();
    }
    if (status == 413) {
      RequestBodies.tooLarge(rc, limits.rapApiMaxBodyBytes());
      return;
    }
    if (status >= 400 && status < 500) {
      send(rc, ApiReply.error(400, "Validation error", ValidationMessages.UNPARSEABLE));
      return;
    }
    LOG.log(Level.SEVERE, "RAP API " + operationId + " failed", f);
    send(
        rc,
        ApiReply.error(
            500, "Internal error", "The controller could not answer; please try again later"));
  }

  private static Object parsedBody(RoutingContext rc) {
    try {
      Buffer b = rc.body() == null ? null : rc.body().buffer();
      if (b == null || b.length() == 0) {
        return null;
      }
      return Json.decodeValue(b);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Method check (405), then the token (401); POST bodies are always read as JSON. */
  private void gate(RoutingContext rc) {
    String rel = relative(rc.normalizedPath());
    Map.Entry<HttpMethod, String> op = operations.get(rel);
    if (op == null) {
      send(rc, ApiReply.error(404, "Not found", "No such endpoint: " + rc.request().path()));
      return;
    }
    if (!rc.request().method().equals(op.getKey())) {
      rc.response().putHeader("Allow", op.getKey().name());
      send(
          rc,
          ApiReply.error(
              405,
              "Method not allowed",
              "Method "
                  + rc.request().method().name()
                  + " not allowed; use "
                  + op.getKey().name()));
      return;
    }
    String header = rc.request().getHeader("Authorization");
    if (header == null || header.isEmpty()) {
      send(rc, ApiReply.error(401, "Unauthorized", "No token provided"));
      return;
    }
    var backends = tokens.backendsFor(header);
    if (backends.isEmpty()) {
      send(rc, ApiReply.error(401, "Unauthorized", "Invalid token"));
      return;
    }
    rc.put(BACKENDS_KEY, backends.get());
    if (RequestBodies.declaredTooLarge(rc.request(), limits.rapApiMaxBodyBytes())) {
      RequestBodies.tooLarge(rc, limits.rapApiMaxBodyBytes());
      return;
    }
    if (op.getKey() == HttpMethod.POST) {
      // job-server sends application/json; the reference parses the body whatever the header says
      String ct = rc.request().getHeader("Content-Type");
      if (ct == null || !ct.toLowerCase(Locale.ROOT).startsWith("application/json")) {
        rc.request().headers().set("Content-Type", "application/json");
      }
    }
    rc.next();
  }

  private JsonObject bodySchema(String operationId) {
    for (Map.Entry<String, Object> p : contract.document().getJsonObject("paths")) {
      for (Map.Entry<String, Object> m : (JsonObject) p.getValue()) {
        JsonObject op = (JsonObject) m.getValue();
        if (operationId.equals(op.getString("operationId"))) {
          JsonObject rb = op.getJsonObject("requestBody");
          if (rb == null) {
            return new JsonObject();
          }
          return rb.getJsonObject("content")
              .getJsonObject("application/json")
              .getJsonObject("schema");
        }
      }
    }
    return new JsonObject();
  }

  static void send(RoutingContext rc, ApiReply reply) {
    if (rc.response().ended() || rc.response().closed()) {
      return;
    }
    rc.response()
        .setStatusCode(reply.status())
        .putHeader("Content-Type", "application/json")
        .end(reply.toBuffer());
  }

  /** A path below the base without trailing slash: {@code /rap/create}. */
  private static String relative(String path) {
    return stripSlash(path.startsWith(BASE + "/") ? path.substring(BASE.length()) : path);
  }

  private static String stripSlash(String p) {
    return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }

  private static List<String> strings(JsonArray a) {
    return a == null ? List.of() : a.stream().map(String::valueOf).toList();
  }
}
